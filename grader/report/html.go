package report

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"idempotency/grader"
)

// HTML writes the report as one self-contained page (styles inline, no scripts, no
// external assets), each failed criterion with its timelines drawn as tables.
func HTML(w io.Writer, r *grader.Report) error {
	if err := htmlPage.Execute(w, r); err != nil {
		return fmt.Errorf("render html report: %w", err)
	}
	return nil
}

// markWords are the cell texts of the page, one per mark.
var markWords = map[grader.Mark]string{
	grader.MarkRecorded: "● recorded",
	grader.MarkReplayed: "↺ replayed",
	grader.MarkMismatch: "≠ mismatch",
	grader.MarkCrashed:  "✗ crashed",
	grader.MarkCalled:   "→ sent",
	grader.MarkAgain:    "‼ sent again",
	grader.MarkFailed:   "→ failed",
	grader.MarkNone:     "·",
}

var htmlFuncs = template.FuncMap{
	"upper": strings.ToUpper,
	"mark":  func(m grader.Mark) string { return markWords[m] },
	"markClass": func(m grader.Mark) string {
		if m == grader.MarkNone {
			return "none"
		}
		return string(m)
	},
	"stepLabel": func(s grader.TimelineStep) string {
		if s.Kind == "gateway" {
			return "→ " + s.Label
		}
		return fmt.Sprintf("#%d %s", s.Step, s.Label)
	},
	"notes": attemptNotes,
	"ms":    ms,
}

var htmlPage = template.Must(template.New("report").Funcs(htmlFuncs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{upper .Exercise}} {{.Title}}: {{.Score}}/{{.MaxScore}}</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1d2330; }
h1 { font-size: 1.4em; margin-bottom: .2em; }
.meta { color: #5b6475; margin-top: 0; }
.score { font-size: 1.2em; font-weight: 600; }
.crit { border: 1px solid #d8dce4; border-radius: 6px; margin: .8em 0; padding: .6em .9em; }
.crit h2 { font-size: 1.05em; margin: 0; display: flex; gap: .7em; align-items: baseline; }
.badge { font-size: .8em; font-weight: 700; padding: .1em .5em; border-radius: 4px; color: #fff; }
.pass .badge { background: #2f8f4e; } .fail .badge { background: #c23b3b; } .error .badge { background: #b7791f; }
.pts { color: #5b6475; font-weight: 400; }
pre { white-space: pre-wrap; background: #f5f6f8; padding: .6em; border-radius: 4px; font-size: .9em; }
.hint { background: #eef6fb; border-left: 3px solid #2b7bb9; padding: .4em .7em; }
.inv { margin: .8em 0; }
.inv h3 { font-size: .95em; margin: .3em 0; font-weight: 600; }
.inv h3 code { font-weight: 400; }
table.tl { border-collapse: collapse; font: 13px/1.3 ui-monospace, "SFMono-Regular", Menlo, monospace; }
table.tl th, table.tl td { border: 1px solid #d8dce4; padding: .25em .6em; text-align: left; white-space: nowrap; }
table.tl th { background: #f0f2f5; }
td.step { max-width: 34em; overflow: hidden; text-overflow: ellipsis; }
tr.gateway td.step { color: #8a5a00; }
td.recorded { background: #e6f4ea; color: #1e6b37; }
td.replayed { color: #6b7385; }
td.mismatch, td.again, td.crashed { background: #fbe3e3; color: #a12626; font-weight: 700; }
td.called { background: #fff4d6; color: #8a5a00; }
td.failed { color: #6b7385; }
td.none { color: #b8bec9; }
td.end-completed { color: #1e6b37; } td.end-failed, td.end-crashed, td.end-broken { color: #a12626; }
.so { margin: .4em 0; padding: .4em .7em; background: #fff7e6; border-left: 3px solid #d99a00; }
.small { color: #5b6475; font-size: .88em; }
</style>
</head>
<body>
<h1>{{upper .Exercise}} · {{.Title}}</h1>
<p class="meta">grading <code>{{.Submission}}</code> · seed {{.Seed}}{{if .Runtime}} · restate-server: {{.Runtime}}{{end}}</p>
<p class="score">Score {{.Score}}/{{.MaxScore}}{{if .BonusMax}} · bonus {{.BonusScore}}/{{.BonusMax}}{{end}}</p>
{{if .Error}}<p class="so">{{.Error}}</p>{{end}}
{{range .Criteria}}
<section class="crit {{.Status}}" id="{{.ID}}">
<h2><span class="badge">{{upper (printf "%s" .Status)}}</span> <span>{{if .Bonus}}(bonus) {{end}}{{.Title}}</span> <span class="pts">{{.Points}}/{{.MaxPoints}}</span></h2>
{{if ne (printf "%s" .Status) "pass"}}<pre>{{.Evidence}}</pre>
{{with .Timeline}}{{range .Invocations}}
<div class="inv">
<h3>What Restate did: <code>{{.Target}}</code>: {{.Outcome}}</h3>
<table class="tl">
<tr><th>step</th>{{range .Attempts}}<th>attempt {{.N}}</th>{{end}}</tr>
{{range .Steps}}<tr class="{{.Kind}}"><td class="step" title="{{.Label}}">{{stepLabel .}}</td>{{range .Marks}}<td class="{{markClass .}}">{{mark .}}</td>{{end}}</tr>
{{end}}<tr><td class="step">ended</td>{{range .Attempts}}<td class="end-{{.End}}">{{.End}}</td>{{end}}</tr>
</table>
{{range notes .}}<div class="small">{{.}}</div>{{end}}
{{if .Note}}<p class="so">{{.Note}}</p>{{end}}
</div>
{{end}}{{if .More}}<p class="small">{{.More}} other invocations of this check are not drawn.</p>{{end}}{{end}}
{{if and .Hint (eq (printf "%s" .Status) "fail")}}<p class="hint"><b>hint:</b> {{.Hint}}</p>{{end}}
{{end}}</section>
{{end}}
<p class="small">Took {{ms .DurationMS}} (build {{ms .Timings.Build}}, server {{ms .Timings.Server}}, service {{ms .Timings.Service}}, scenarios {{ms .Timings.Scenarios}}).</p>
</body>
</html>
`))
