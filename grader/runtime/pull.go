package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
)

// pullImage pulls image into the local engine, as testcontainers users expect on first
// use, with progress on w: a line when it starts, then at most one a second (layers
// done, bytes downloaded of the total known so far), and one when it is done.
func pullImage(ctx context.Context, image string, w io.Writer) error {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return fmt.Errorf("docker client: %w", err)
	}
	defer cli.Close()
	fmt.Fprintf(w, "restate-server: pulling %s (first use only) ...\n", image)
	began := time.Now()
	resp, err := cli.ImagePull(ctx, image, client.ImagePullOptions{})
	if err != nil {
		return fmt.Errorf("pull %s: %w", image, err)
	}
	defer resp.Close()
	p := newPullProgress(w, image, time.Second)
	if err := p.read(resp); err != nil {
		return fmt.Errorf("pull %s: %w", image, err)
	}
	fmt.Fprintf(w, "restate-server: pulled %s (%s) in %s\n", image, p.summary(), time.Since(began).Round(100*time.Millisecond))
	return nil
}

// pullProgress folds the engine's JSON progress stream into short lines.
type pullProgress struct {
	w        io.Writer
	image    string
	every    time.Duration // 0: a line for every change (tests)
	layers   map[string]*layer
	last     time.Time
	lastLine string
}

// layerStatus are the statuses the engine sends about one layer.
var layerStatus = map[string]bool{
	"Pulling fs layer": true, "Waiting": true, "Downloading": true, "Verifying Checksum": true,
	"Download complete": true, "Extracting": true, "Pull complete": true, "Already exists": true,
}

type layer struct {
	status         string
	current, total int64
	done, existed  bool
}

func newPullProgress(w io.Writer, image string, every time.Duration) *pullProgress {
	return &pullProgress{w: w, image: image, every: every, layers: map[string]*layer{}}
}

// read consumes the stream until it ends; an error message in it is the pull's error.
func (p *pullProgress) read(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read progress: %w", err)
		}
		if m.Error != nil {
			return errors.New(m.Error.Message)
		}
		p.update(m)
	}
}

func (p *pullProgress) update(m jsonstream.Message) {
	if m.ID == "" || !layerStatus[m.Status] && !strings.HasPrefix(m.Status, "Retrying") {
		// "Pulling from restatedev/restate", "Digest: ...", "Status: Downloaded newer image ..."
		return
	}
	l := p.layers[m.ID]
	if l == nil {
		l = &layer{}
		p.layers[m.ID] = l
	}
	l.status = m.Status
	switch m.Status {
	case "Downloading":
		if m.Progress != nil {
			l.current, l.total = m.Progress.Current, m.Progress.Total
		}
	case "Download complete", "Verifying Checksum":
		l.current = l.total
	case "Pull complete":
		l.current, l.done = l.total, true
	case "Already exists":
		l.done, l.existed = true, true
	}
	p.report()
}

func (p *pullProgress) report() {
	line := "restate-server: pulling " + p.image + ": " + p.summary()
	if line == p.lastLine || (p.every > 0 && time.Since(p.last) < p.every) {
		return
	}
	p.last, p.lastLine = time.Now(), line
	fmt.Fprintln(p.w, line)
}

// summary is "1 of 2 layers done, 45.2 MB of 120.1 MB downloaded".
func (p *pullProgress) summary() string {
	var done int
	var cur, total int64
	ids := make([]string, 0, len(p.layers))
	for id := range p.layers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		l := p.layers[id]
		if l.done {
			done++
		}
		if !l.existed {
			cur += l.current
			total += l.total
		}
	}
	s := fmt.Sprintf("%d of %d layers done", done, len(p.layers))
	if total > 0 {
		s += fmt.Sprintf(", %s of %s downloaded", megabytes(cur), megabytes(total))
	}
	return s
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
