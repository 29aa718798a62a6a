package runtime

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// loopback is the only address servers bind to: graders must not be reachable from outside.
const loopback = "127.0.0.1"

// ports are the three loopback ports a server listens on.
type ports struct {
	admin, ingress, node int
}

// freePorts asks the kernel for three free loopback ports. They are released before the
// server binds them, so another process may take one in between: callers retry on
// "address in use".
func freePorts() (ports, error) {
	var got [3]int
	var listeners []net.Listener
	// Hold all three open at once so the kernel cannot hand out the same port twice.
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for i := range got {
		l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
		if err != nil {
			return ports{}, fmt.Errorf("find a free loopback port: %w", err)
		}
		listeners = append(listeners, l)
		got[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports{admin: got[0], ingress: got[1], node: got[2]}, nil
}

func hostPort(port int) string { return net.JoinHostPort(loopback, strconv.Itoa(port)) }

func (p ports) adminURL() string   { return "http://" + hostPort(p.admin) }
func (p ports) ingressURL() string { return "http://" + hostPort(p.ingress) }

// mentionsAddrInUse recognises a server that exited because a port was taken, so that the
// start can be retried on new ports. 1.7.12 says "Address in use (os error 98)".
func mentionsAddrInUse(log string) bool {
	log = strings.ToLower(log)
	return strings.Contains(log, "address in use") || strings.Contains(log, "address already in use")
}
