// mlnode: a minimal HashiCorp memberlist node for the Plumtree interop tests.
//
// It creates a memberlist with DefaultLocalConfig on 127.0.0.1:<port>, joins the given addresses and
// then reads commands from stdin, answering each with JSON lines on stdout:
//
//	members  one line per node it has heard of (any state), then {"end":true}
//	leave    leaves the cluster (1 s timeout), then {"left":true} or {"error":...}
//	quit     shuts down and exits
//
// Membership events are printed as they happen ({"event":"join"|"leave"|"update", ..., "t_ms":...}, t_ms being
// the wall clock in Unix milliseconds when memberlist called the delegate: NotifyLeave comes when a node is
// declared dead or has left, so t_ms times failure detection from this node's own view).
// With -interval > 0 the member list is also printed periodically.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/hashicorp/memberlist"
)

var stateNames = map[memberlist.NodeStateType]string{
	memberlist.StateAlive:   "alive",
	memberlist.StateSuspect: "suspect",
	memberlist.StateDead:    "dead",
	memberlist.StateLeft:    "left",
}

type nodeLine struct {
	Event       string `json:"event,omitempty"`
	Name        string `json:"name"`
	Addr        string `json:"addr"`
	Port        uint16 `json:"port"`
	State       string `json:"state"`
	Meta        []byte `json:"meta"`
	Vsn         []int  `json:"vsn"`
	Incarnation uint32 `json:"incarnation"`
	TimeMs      int64  `json:"t_ms,omitempty"`
}

type output struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *output) write(v interface{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.enc.Encode(v); err != nil {
		log.Printf("[ERR] mlnode: write: %v", err)
	}
}

func line(event string, n *memberlist.Node) nodeLine {
	return nodeLine{
		Event: event,
		Name:  n.Name,
		Addr:  n.Addr.String(),
		Port:  n.Port,
		State: stateNames[n.State],
		Meta:  append([]byte(nil), n.Meta...),
		Vsn:   []int{int(n.PMin), int(n.PMax), int(n.PCur), int(n.DMin), int(n.DMax), int(n.DCur)},
	}
}

// events prints memberlist's event delegate calls (the state in them is not reliable, see snapshot).
type events struct {
	out *output
}

func (e *events) record(event string, n *memberlist.Node) {
	l := line(event, n)
	l.TimeMs = time.Now().UnixNano() / int64(time.Millisecond)
	e.out.write(l)
}

func (e *events) NotifyJoin(n *memberlist.Node)   { e.record("join", n) }
func (e *events) NotifyLeave(n *memberlist.Node)  { e.record("leave", n) }
func (e *events) NotifyUpdate(n *memberlist.Node) { e.record("update", n) }

// snapshot lists every node in memberlist's node map with its real state. memberlist 0.2.2 keeps the
// state in nodeState.State, which shadows the embedded Node.State (that one stays "alive" forever, also
// in the Node handed to NotifyLeave), and Members() hides dead and left nodes. So we read the private
// node map by reflection, under the list's own lock: read-only, and only in this test tool.
func snapshot(list *memberlist.Memberlist) []nodeLine {
	v := reflect.ValueOf(list).Elem()
	lock := (*sync.RWMutex)(unsafe.Pointer(v.FieldByName("nodeLock").UnsafeAddr()))
	lock.RLock()
	defer lock.RUnlock()
	nodes := v.FieldByName("nodes")
	lines := make([]nodeLine, 0, nodes.Len())
	for i := 0; i < nodes.Len(); i++ {
		state := nodes.Index(i).Elem()
		node := (*memberlist.Node)(unsafe.Pointer(state.FieldByName("Node").UnsafeAddr()))
		l := line("member", node)
		l.State = stateNames[memberlist.NodeStateType(state.FieldByName("State").Int())]
		l.Incarnation = uint32(state.FieldByName("Incarnation").Uint())
		lines = append(lines, l)
	}
	return lines
}

func main() {
	name := flag.String("name", "", "node name")
	port := flag.Int("port", 0, "UDP and TCP port on 127.0.0.1")
	join := flag.String("join", "", "comma-separated host:port addresses to join")
	interval := flag.Duration("interval", 0, "print the member list this often (0 = only on the members command)")
	flag.Parse()
	if *name == "" || *port == 0 {
		fmt.Fprintln(os.Stderr, "usage: mlnode -name NAME -port PORT [-join a:p,b:q] [-interval 1s]")
		os.Exit(2)
	}

	out := &output{enc: json.NewEncoder(os.Stdout)}
	ev := &events{out: out}

	conf := memberlist.DefaultLocalConfig()
	conf.Name = *name
	conf.BindAddr = "127.0.0.1"
	conf.BindPort = *port
	conf.AdvertiseAddr = "127.0.0.1"
	conf.AdvertisePort = *port
	conf.Events = ev
	conf.LogOutput = os.Stderr
	if os.Getenv("MLNODE_QUIET") != "" {
		conf.LogOutput = ioutil.Discard
	}

	list, err := memberlist.Create(conf)
	if err != nil {
		out.write(map[string]string{"error": "create: " + err.Error()})
		os.Exit(1)
	}
	out.write(map[string]interface{}{"ready": true, "name": *name, "port": *port})

	if *join != "" {
		n, err := list.Join(strings.Split(*join, ","))
		if err != nil {
			out.write(map[string]interface{}{"joined": n, "error": err.Error()})
		} else {
			out.write(map[string]interface{}{"joined": n})
		}
	}

	printMembers := func() {
		for _, l := range snapshot(list) {
			out.write(l)
		}
		out.write(map[string]bool{"end": true})
	}

	if *interval > 0 {
		go func() {
			for range time.Tick(*interval) {
				printMembers()
			}
		}()
	}

	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		switch strings.TrimSpace(scanner.Text()) {
		case "members":
			printMembers()
		case "leave":
			if err := list.Leave(time.Second); err != nil {
				out.write(map[string]string{"error": "leave: " + err.Error()})
			} else {
				out.write(map[string]bool{"left": true})
			}
		case "quit":
			_ = list.Shutdown()
			return
		case "":
		default:
			out.write(map[string]string{"error": "unknown command: " + scanner.Text()})
		}
	}
	_ = list.Shutdown()
}
