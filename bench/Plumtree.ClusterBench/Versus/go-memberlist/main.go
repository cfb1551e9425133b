// mlagent: a HashiCorp memberlist node that broadcasts user messages through memberlist's own broadcast queue
// (TransmitLimitedQueue, the way Consul and Nomad ship their gossip payloads), the third column of
// `plumtree-bench versus --memberlist`. Our code, built in GOPATH mode against Debian's memberlist source.
//
// It serves the two admin routes the benchmark uses, shaped like the plumtree agent's:
//
//	GET  /v1/members    {"members":[{"name":...,"state":"alive"},...]}  (memberlist's live members: alive or suspect)
//	POST /v1/broadcast  the body is the payload; 200 {"id":...}, or 413 when it cannot fit one UDP packet
//
// A message is [8-byte random id][payload]. memberlist hands a user broadcast only to the nodes it is piggybacked to,
// so, as with any epidemic on that queue, a node that receives an id it has not seen runs the handler and queues the
// message again (RetransmitMult × log(N+1) transmissions per node). The handler gets the payload on stdin and
// PLUMTREE_NODE in its environment, as the plumtree agent's does. Nothing is repaired after the retransmissions are
// spent: what the queue loses stays lost (no anti-entropy for user messages in memberlist).
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/memberlist"
)

// Overheads of memberlist 0.2.2 around a user broadcast sent alone in a gossip packet: the compound header (2),
// the compound part length (2) and the user message type (1). Our id takes 8 more.
const (
	compoundHeaderOverhead = 2
	compoundOverhead       = 2
	userMsgOverhead        = 1
	idBytes                = 8
)

type message struct {
	data []byte
}

func (m *message) Invalidates(memberlist.Broadcast) bool { return false }
func (m *message) Message() []byte                       { return m.data }
func (m *message) Finished()                             {}
func (m *message) UniqueBroadcast()                      {}

type agent struct {
	name    string
	handler string
	queue   *memberlist.TransmitLimitedQueue
	mu      sync.Mutex
	seen    map[uint64]struct{}
}

func (a *agent) NodeMeta(limit int) []byte                  { return nil }
func (a *agent) LocalState(join bool) []byte                { return nil }
func (a *agent) MergeRemoteState(buf []byte, join bool)     {}
func (a *agent) GetBroadcasts(overhead, limit int) [][]byte { return a.queue.GetBroadcasts(overhead, limit) }

// NotifyMsg: a user message piggybacked to us. memberlist may reuse the buffer after the call: copy it.
func (a *agent) NotifyMsg(b []byte) {
	if len(b) < idBytes {
		return
	}
	data := append([]byte(nil), b...)
	if a.firstTime(binary.BigEndian.Uint64(data)) {
		a.deliver(data)
	}
}

func (a *agent) firstTime(id uint64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.seen[id]; ok {
		return false
	}
	a.seen[id] = struct{}{}
	return true
}

// deliver runs the handler and queues the message for the next piggybacks.
func (a *agent) deliver(data []byte) {
	a.queue.QueueBroadcast(&message{data: data})
	if a.handler == "" {
		return
	}
	go func() {
		cmd := exec.Command(a.handler)
		cmd.Stdin = bytes.NewReader(data[idBytes:])
		cmd.Env = append(os.Environ(), "PLUMTREE_NODE="+a.name)
		if err := cmd.Run(); err != nil {
			log.Printf("[WARN] mlagent: handler: %v", err)
		}
	}()
}

func main() {
	name := flag.String("name", "", "node name")
	bind := flag.String("bind", "", "gossip address host:port (UDP and TCP)")
	httpAddr := flag.String("http", "", "admin HTTP address host:port")
	join := flag.String("join", "", "address of a member to join")
	handler := flag.String("handler", "", "program run for every delivered message (payload on stdin)")
	flag.Parse()
	host, portText, err := net.SplitHostPort(*bind)
	if *name == "" || err != nil || *httpAddr == "" {
		fmt.Fprintln(os.Stderr, "usage: mlagent -name NAME -bind HOST:PORT -http HOST:PORT [-join HOST:PORT] [-handler PATH]")
		os.Exit(2)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mlagent: bad -bind port:", portText)
		os.Exit(2)
	}

	a := &agent{name: *name, handler: *handler, seen: make(map[uint64]struct{})}
	conf := memberlist.DefaultLANConfig() // the plumtree agent runs --profile lan, Serf -profile=lan
	conf.Name = *name
	conf.BindAddr = host
	conf.BindPort = port
	conf.AdvertiseAddr = host
	conf.AdvertisePort = port
	conf.Delegate = a
	conf.LogOutput = ioutil.Discard
	if os.Getenv("MLAGENT_LOG") != "" {
		conf.LogOutput = os.Stderr
	}
	maxPayload := conf.UDPBufferSize - compoundHeaderOverhead - compoundOverhead - userMsgOverhead - idBytes

	list, err := memberlist.Create(conf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mlagent: create:", err)
		os.Exit(1)
	}
	a.queue = &memberlist.TransmitLimitedQueue{NumNodes: list.NumMembers, RetransmitMult: conf.RetransmitMult}

	http.HandleFunc("/v1/members", func(w http.ResponseWriter, r *http.Request) {
		type member struct {
			Name  string `json:"name"`
			State string `json:"state"`
		}
		members := []member{}
		for _, n := range list.Members() {
			members = append(members, member{Name: n.Name, State: "alive"})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]interface{}{"members": members})
	})
	http.HandleFunc("/v1/broadcast", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		payload, err := ioutil.ReadAll(io.LimitReader(r.Body, int64(maxPayload)+1))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if len(payload) > maxPayload {
			http.Error(w, fmt.Sprintf("payload over %d bytes: memberlist's broadcast queue sends a message in one UDP packet of %d bytes", maxPayload, conf.UDPBufferSize), http.StatusRequestEntityTooLarge)
			return
		}
		data := make([]byte, idBytes+len(payload))
		if _, err := rand.Read(data[:idBytes]); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		copy(data[idBytes:], payload)
		id := binary.BigEndian.Uint64(data)
		a.firstTime(id)
		a.deliver(data)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"id": strconv.FormatUint(id, 16)})
	})
	listener, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mlagent: http:", err)
		os.Exit(1)
	}
	go func() { _ = http.Serve(listener, nil) }()

	if *join != "" {
		for attempt := 0; ; attempt++ {
			if _, err := list.Join([]string{*join}); err == nil {
				break
			} else if attempt == 50 {
				fmt.Fprintln(os.Stderr, "mlagent: join:", err)
				os.Exit(1)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	_ = list.Leave(time.Second)
	_ = list.Shutdown()
}
