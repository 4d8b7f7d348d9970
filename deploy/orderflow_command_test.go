package deploy_test

// cmd/orderflow is package main, which cannot be imported: what the compose file is
// checked against there (the Config's environment variables, the cobra subcommands)
// is read from its source with go/parser.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func parsePackage(t *testing.T, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return files
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// configEnvVars returns the environment variables cmd/orderflow's Config reads: the
// names in its fields' `env:"NAME"` tags.
func configEnvVars(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for _, f := range parsePackage(t, "cmd/orderflow") {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != "Config" {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, field := range st.Fields.List {
				if field.Tag == nil {
					continue
				}
				tag, _ := stringLit(field.Tag)
				if name, _, _ := strings.Cut(reflect.StructTag(tag).Get("env"), ","); name != "" {
					vars[name] = true
				}
			}
			return false
		})
	}
	if len(vars) == 0 {
		t.Fatal("found no `env:\"...\"` tags on type Config in cmd/orderflow")
	}
	return vars
}

// subcommands returns the first word of every cobra.Command's Use in cmd/orderflow.
func subcommands(t *testing.T) map[string]bool {
	t.Helper()
	cmds := map[string]bool{}
	for _, f := range parsePackage(t, "cmd/orderflow") {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			sel, ok := lit.Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Command" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "cobra" {
				return true
			}
			for _, elt := range lit.Elts {
				kv, ok := elt.(*ast.KeyValueExpr)
				if k, isIdent := kv.Key.(*ast.Ident); !ok || !isIdent || k.Name != "Use" {
					continue
				}
				if use, ok := stringLit(kv.Value); ok && len(strings.Fields(use)) > 0 {
					cmds[strings.Fields(use)[0]] = true
				}
			}
			return true
		})
	}
	if len(cmds) == 0 {
		t.Fatal("found no cobra.Command{Use: ...} in cmd/orderflow")
	}
	return cmds
}
