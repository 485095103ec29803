package protocol_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/zksim/zksim"

type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

// listPackages runs `go list -deps` style queries so the rules see exactly what the
// compiler sees (build tags included).
func listPackages(t *testing.T, patterns ...string) []listedPackage {
	t.Helper()
	args := append([]string{"list", "-json=ImportPath,Dir,GoFiles,Imports,Deps"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// forbiddenDeps maps a package tree to the imports it must never reach. Project packages
// are forbidden transitively; standard-library packages (net, os, ...) are forbidden as
// direct imports, because fmt and log/slog depend on os without doing I/O on our behalf.
var forbiddenDeps = map[string][]string{
	"protocol": {module + "/sim", module + "/nemesis", module + "/checker", module + "/scenarios",
		module + "/reports", module + "/server", module + "/cmd", "net", "os", "crypto/rand", "math/rand"},
	"checker": {module + "/sim", module + "/server", module + "/scenarios", module + "/reports", module + "/cmd"},
	"nemesis": {module + "/sim", module + "/server", module + "/scenarios", module + "/reports", module + "/cmd"},
	// sim may use checker's history types: simulated clients record checker.Operation.
	"sim":    {module + "/server", module + "/scenarios", module + "/reports", module + "/cmd", module + "/nemesis"},
	"server": {module + "/sim", module + "/scenarios", module + "/reports", module + "/cmd", module + "/nemesis", module + "/checker"},
}

func TestDependencyDirection(t *testing.T) {
	for tree, forbidden := range forbiddenDeps {
		for _, p := range listPackages(t, "./"+tree+"/...") {
			if p.ImportPath == "" || len(p.GoFiles) == 0 {
				continue
			}
			for _, f := range forbidden {
				deps := p.Imports
				if strings.HasPrefix(f, module+"/") {
					deps = p.Deps
				}
				for _, dep := range deps {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						t.Errorf("%s depends on %s, which %s/ must never import", p.ImportPath, dep, tree)
					}
				}
			}
		}
	}
}

// globalRandFuncs are the math/rand/v2 functions that draw from the unseeded global source.
var globalRandFuncs = map[string]bool{
	"Int": true, "IntN": true, "Int32": true, "Int32N": true, "Int64": true, "Int64N": true,
	"Uint": true, "UintN": true, "Uint32": true, "Uint32N": true, "Uint64": true, "Uint64N": true,
	"Float32": true, "Float64": true, "Perm": true, "Shuffle": true, "NormFloat64": true,
	"ExpFloat64": true, "N": true,
}

var forbiddenTimeFuncs = map[string]bool{
	"Now": true, "Sleep": true, "After": true, "AfterFunc": true, "Tick": true,
	"NewTimer": true, "NewTicker": true, "Since": true, "Until": true,
}

// TestProtocolIsPure parses every non-test file of protocol/... and rejects the
// constructs that would let the outside world (clock, scheduler, randomness) leak in.
func TestProtocolIsPure(t *testing.T) {
	pkgs := listPackages(t, "./protocol/...")
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages under protocol/")
	}
	for _, p := range pkgs {
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			for _, problem := range impurities(t, path) {
				t.Errorf("%s: %s", path, problem)
			}
		}
	}
}

func impurities(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	local := map[string]string{} // local import name -> import path
	for _, imp := range file.Imports {
		ipath := strings.Trim(imp.Path.Value, `"`)
		name := filepath.Base(ipath)
		if ipath == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		local[name] = ipath
	}
	var problems []string
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			problems = append(problems, fset.Position(n.Pos()).String()+": go statement")
		case *ast.SelectStmt:
			problems = append(problems, fset.Position(n.Pos()).String()+": select statement")
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch local[id.Name] {
			case "time":
				if forbiddenTimeFuncs[n.Sel.Name] {
					problems = append(problems, fset.Position(n.Pos()).String()+": time."+n.Sel.Name)
				}
			case "math/rand/v2":
				if globalRandFuncs[n.Sel.Name] {
					problems = append(problems, fset.Position(n.Pos()).String()+": global rand."+n.Sel.Name)
				}
			case "sync":
				problems = append(problems, fset.Position(n.Pos()).String()+": sync."+n.Sel.Name)
			}
		}
		return true
	})
	return problems
}

// TestImpurityDetector proves the detector catches each forbidden construct.
func TestImpurityDetector(t *testing.T) {
	src := `package x
import (
	"math/rand/v2"
	"time"
)
func f() {
	go func() {}()
	_ = time.Now()
	time.Sleep(1)
	_ = rand.IntN(3)
	_ = rand.New(rand.NewPCG(1, 2))
	select {}
}`
	dir := t.TempDir()
	path := filepath.Join(dir, "x.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := impurities(t, path)
	want := []string{"go statement", "time.Now", "time.Sleep", "global rand.IntN", "select statement"}
	if len(got) != len(want) {
		t.Fatalf("got %d problems %q, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if !strings.HasSuffix(got[i], w) {
			t.Errorf("problem %d = %q, want suffix %q", i, got[i], w)
		}
	}
}
