package mutate

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestTmpSvc(t *testing.T) {
	src, _ := os.ReadFile("testdata/svc.go.txt")
	pkg, err := Load(context.Background(), "../..", map[string][]byte{"svc.go": src})
	if err != nil {
		t.Fatal(err)
	}
	ms, st := Generate("t", pkg)
	for _, m := range ms {
		fmt.Printf("%s | %q\n", m.ID, m.Line0)
	}
	fmt.Println(st.Drops)
}
