package mutate

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// Import paths the operators recognise.
const (
	restatePath  = "github.com/restatedev/sdk-go"
	fixturesPath = "idempotency/fixtures"
)

// site is one file being mutated, with the package's type information.
type site struct {
	pkg  *Package
	file *File
}

func (s *site) off(p token.Pos) int { return s.pkg.Fset.Position(p).Offset }

func (s *site) text(n ast.Node) string { return string(s.file.Src[s.off(n.Pos()):s.off(n.End())]) }

// replace is the candidate that replaces node n's text with text.
func (s *site) replace(op Operator, n ast.Node, text string, extra ...edit) candidate {
	return candidate{op: op, edits: append([]edit{{s.off(n.Pos()), s.off(n.End()), text}}, extra...)}
}

// replaceRange replaces the text from pos to end.
func (s *site) replaceRange(op Operator, pos, end token.Pos, text string, extra ...edit) candidate {
	return candidate{op: op, edits: append([]edit{{s.off(pos), s.off(end), text}}, extra...)}
}

// deleteStmt removes a statement, and its line when the statement is alone on it.
func (s *site) deleteStmt(op Operator, st ast.Stmt) candidate {
	src := s.file.Src
	start, end := s.off(st.Pos()), s.off(st.End())
	ls := start
	for ls > 0 && (src[ls-1] == ' ' || src[ls-1] == '\t') {
		ls--
	}
	le := end
	for le < len(src) && (src[le] == ' ' || src[le] == '\t' || src[le] == '\r') {
		le++
	}
	at := start
	if (ls == 0 || src[ls-1] == '\n') && le < len(src) && src[le] == '\n' {
		start, end = ls, le+1
	}
	return candidate{op: op, edits: []edit{{start, end, ""}}, at: at, label: "(deleted) " + firstLine(s.text(st))}
}

// callee is the function or method a call calls, if it is one (not a conversion, a
// builtin or a func value).
func (s *site) callee(call *ast.CallExpr) *types.Func {
	fun := ast.Unparen(call.Fun)
	switch f := fun.(type) {
	case *ast.IndexExpr:
		fun = f.X
	case *ast.IndexListExpr:
		fun = f.X
	}
	var id *ast.Ident
	switch f := fun.(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return nil
	}
	fn, _ := s.pkg.Info.Uses[id].(*types.Func)
	return fn
}

// is reports whether fn is one of names in the package at path.
func is(fn *types.Func, path string, names ...string) bool {
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != path {
		return false
	}
	for _, n := range names {
		if fn.Name() == n {
			return true
		}
	}
	return len(names) == 0
}

func (s *site) isRestate(call *ast.CallExpr, names ...string) bool {
	return is(s.callee(call), restatePath, names...)
}

// isServiceCall reports a call to another Restate service or object: the Request or
// Send of a client made by restate.Service, Object, ServiceSend, ObjectSend, Workflow...
func (s *site) isServiceCall(call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch sel.Sel.Name {
	case "Request", "RequestFuture", "Send":
	default:
		return false
	}
	inner, ok := ast.Unparen(sel.X).(*ast.CallExpr)
	return ok && s.isRestate(inner, "Service", "Object", "Workflow", "ServiceSend", "ObjectSend", "WorkflowSend")
}

func (s *site) typeOf(e ast.Expr) types.Type { return s.pkg.Info.TypeOf(e) }

func isInteger(t types.Type) bool {
	if t == nil {
		return false
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsInteger != 0
}

// isErrorValue reports an expression whose type is error or another interface that
// implements it (restate.TerminalError).
func (s *site) isErrorValue(e ast.Expr) bool {
	t := s.typeOf(e)
	if t == nil {
		return false
	}
	_, iface := t.Underlying().(*types.Interface)
	errType := types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
	return iface && types.Implements(t, errType)
}

// importName returns the name under which the file imports path, adding the import
// (as want) when the file does not have it. ok is false when want is taken.
func (s *site) importName(path, want string) (name string, extra []edit, ok bool) {
	f := s.file.AST
	for _, spec := range f.Imports {
		p, _ := strconv.Unquote(spec.Path.Value)
		if p != path {
			continue
		}
		if spec.Name != nil {
			return spec.Name.Name, nil, spec.Name.Name != "_" && spec.Name.Name != "."
		}
		return defaultName(path), nil, true
	}
	for _, spec := range f.Imports {
		p, _ := strconv.Unquote(spec.Path.Value)
		if (spec.Name != nil && spec.Name.Name == want) || (spec.Name == nil && defaultName(p) == want) {
			return "", nil, false
		}
	}
	line := strconv.Quote(path)
	if want != defaultName(path) {
		line = want + " " + line
	}
	for _, d := range f.Decls {
		g, isGen := d.(*ast.GenDecl)
		if !isGen || g.Tok != token.IMPORT {
			continue
		}
		if g.Lparen.IsValid() {
			at := s.off(g.Rparen)
			return want, []edit{{at, at, "\t" + line + "\n"}}, true
		}
		at := s.off(g.End())
		return want, []edit{{at, at, "\nimport " + line}}, true
	}
	at := s.off(f.Name.End())
	return want, []edit{{at, at, "\n\nimport " + line}}, true
}

func defaultName(path string) string {
	parts := strings.Split(path, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = parts[len(parts)-2]
	}
	return strings.TrimSuffix(last, "-go")
}

// zeroValues is the text of the zero values of a call's results, for a call whose
// effect is dropped: "" and error(nil) where that reads better than *new(T).
func (s *site) zeroValues(t types.Type) (string, []edit, bool) {
	var elems []types.Type
	if tup, ok := t.(*types.Tuple); ok {
		for v := range tup.Variables() {
			elems = append(elems, v.Type())
		}
	} else if t != nil {
		elems = []types.Type{t}
	}
	if len(elems) == 0 {
		return "", nil, false
	}
	var parts []string
	var extra []edit
	ok := true
	qualify := func(p *types.Package) string {
		if p.Path() == "main" {
			return ""
		}
		name, ed, good := s.importName(p.Path(), p.Name())
		if !good || strings.Contains(p.Path(), "/internal/") {
			ok = false
		}
		extra = append(extra, ed...)
		return name
	}
	for _, e := range elems {
		switch {
		case types.Identical(e, types.Typ[types.String]):
			parts = append(parts, `""`)
		case types.Identical(e, types.Universe.Lookup("error").Type()):
			parts = append(parts, "error(nil)")
		default:
			parts = append(parts, "*new("+types.TypeString(e, qualify)+")")
		}
	}
	return strings.Join(parts, ", "), extra, ok
}

// typeName is how the file spells t, importing what it needs.
func (s *site) typeName(t types.Type) (string, []edit, bool) {
	var extra []edit
	ok := true
	name := types.TypeString(t, func(p *types.Package) string {
		if p.Path() == "main" {
			return ""
		}
		n, ed, good := s.importName(p.Path(), p.Name())
		if !good || strings.Contains(p.Path(), "/internal/") {
			ok = false
		}
		extra = append(extra, ed...)
		return n
	})
	return name, extra, ok
}
