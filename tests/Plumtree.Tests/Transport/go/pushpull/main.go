// Interop smoke test helper: a real Go memberlist node (Debian's
// golang-github-hashicorp-memberlist-dev, built in GOPATH mode) joins the
// address given by -target with a TCP push/pull, prints what it learnt as one
// JSON line, then stays up (answering push/pulls and pings) until its stdin
// is closed.
package main

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"os"

	"github.com/hashicorp/memberlist"
)

type member struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
	Port uint16 `json:"port"`
	PMax uint8  `json:"pmax"`
}

type result struct {
	Self    member   `json:"self"`
	Joined  int      `json:"joined"`
	Error   string   `json:"error"`
	Members []member `json:"members"`
}

func main() {
	target := flag.String("target", "", "host:port to join")
	key := flag.String("key", "", "hex AES key (empty = plaintext)")
	name := flag.String("name", "go-node", "node name")
	flag.Parse()

	c := memberlist.DefaultLocalConfig()
	c.Name = *name
	c.BindAddr = "127.0.0.1"
	c.BindPort = 0
	c.LogOutput = os.Stderr
	if *key != "" {
		k, err := hex.DecodeString(*key)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad key:", err)
			os.Exit(2)
		}
		c.SecretKey = k
	}

	m, err := memberlist.Create(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "create:", err)
		os.Exit(2)
	}

	out := result{}
	n, err := m.Join([]string{*target})
	out.Joined = n
	if err != nil {
		out.Error = err.Error()
	}
	for _, node := range m.Members() {
		out.Members = append(out.Members, member{Name: node.Name, Addr: node.Addr.String(), Port: node.Port, PMax: node.PMax})
	}
	self := m.LocalNode()
	out.Self = member{Name: self.Name, Addr: self.Addr.String(), Port: self.Port, PMax: self.PMax}
	json.NewEncoder(os.Stdout).Encode(out)
	ioutil.ReadAll(os.Stdin)
	m.Shutdown()
}
