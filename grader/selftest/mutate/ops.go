package mutate

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// walk visits every node of every function body of the file with its ancestors
// (nearest last).
func (s *site) walk(visit func(n ast.Node, parents []ast.Node)) {
	for _, d := range s.file.AST.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		var stack []ast.Node
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			visit(n, stack)
			stack = append(stack, n)
			return true
		})
	}
}

// stmtLists visits every statement list of the file's functions: blocks and the
// bodies of case clauses.
func (s *site) stmtLists(visit func(list []ast.Stmt)) {
	s.walk(func(n ast.Node, _ []ast.Node) {
		switch b := n.(type) {
		case *ast.BlockStmt:
			visit(b.List)
		case *ast.CaseClause:
			visit(b.Body)
		case *ast.CommClause:
			visit(b.Body)
		}
	})
}

// operators maps each operator to the function that finds its candidates.
var operators = map[Operator]func(*site) []candidate{
	UnwrapRun:      (*site).unwrapRun,
	DropGuard:      (*site).dropGuard,
	Negate:         (*site).negate,
	DropStateWrite: (*site).dropStateWrite,
	Nondeterminism: (*site).nondeterminism,
	PlainError:     (*site).plainError,
	DropEffect:     (*site).dropEffect,
	SwapStmts:      (*site).swapStmts,
	Arith:          (*site).arith,
	ChangeKey:      (*site).changeKey,
}

// 1. restate.Run(ctx, fn, opts...) -> fn(nil): the body runs on every attempt, outside
// the journal. A Run that only reads the clock is operator 5's.
func (s *site) unwrapRun() []candidate {
	var out []candidate
	s.walk(func(n ast.Node, _ []ast.Node) {
		call, ok := n.(*ast.CallExpr)
		if !ok || !s.isRestate(call, "Run", "RunVoid") || len(call.Args) < 2 || s.clockOnly(call) != nil {
			return
		}
		fn := s.text(call.Args[1])
		if _, lit := call.Args[1].(*ast.FuncLit); !lit {
			fn = "(" + fn + ")"
		}
		c := s.replace(UnwrapRun, call, fn+"(nil)")
		if alt, ok := s.unwrapTyped(call, fn); ok {
			c.alt = &alt
		}
		out = append(out, c)
	})
	return out
}

// unwrapTyped is the unwrapped Run for a result assigned to an err that an earlier
// restate call declared as restate.TerminalError: the body runs first, outside the
// journal, and a Run that only records what it returned keeps the result's types.
func (s *site) unwrapTyped(call *ast.CallExpr, fn string) (candidate, bool) {
	restate, extra, ok := s.importName(restatePath, "restate")
	if !ok {
		return candidate{}, false
	}
	opts := ""
	for _, a := range call.Args[2:] {
		opts += ", " + s.text(a)
	}
	ctx := s.text(call.Args[0])
	if s.isRestate(call, "RunVoid") {
		text := "func() " + restate + ".TerminalError { e := " + fn + "(nil); return " + restate + ".RunVoid(" + ctx +
			", func(" + restate + ".RunContext) error { return e }" + opts + ") }()"
		return s.replace(UnwrapRun, call, text, extra...), true
	}
	tup, ok := s.typeOf(call).(*types.Tuple)
	if !ok || tup.Len() != 2 {
		return candidate{}, false
	}
	typ, more, ok := s.typeName(tup.At(0).Type())
	if !ok {
		return candidate{}, false
	}
	text := "func() (" + typ + ", " + restate + ".TerminalError) { v, e := " + fn + "(nil); return " + restate + ".Run(" + ctx +
		", func(" + restate + ".RunContext) (" + typ + ", error) { return v, e }" + opts + ") }()"
	return s.replace(UnwrapRun, call, text, append(extra, more...)...), true
}

// clockOnly returns E when call is restate.Run(ctx, func(...) (T, error) { return E, nil })
// and E reads time.Now: a journaled clock.
func (s *site) clockOnly(call *ast.CallExpr) ast.Expr {
	if !s.isRestate(call, "Run") || len(call.Args) < 2 {
		return nil
	}
	lit, ok := call.Args[1].(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return nil
	}
	ret, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 2 {
		return nil
	}
	if id, ok := ret.Results[1].(*ast.Ident); !ok || id.Name != "nil" {
		return nil
	}
	clock := false
	ast.Inspect(ret.Results[0], func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && is(s.callee(c), "time", "Now") {
			clock = true
		}
		return !clock
	})
	if !clock {
		return nil
	}
	return ret.Results[0]
}

// 2. Delete `if cond { ...; return ... }` (no else). A plain error check after a state
// read or a journaled clock is left alone: restate.Get fails only when the state it
// reads does not decode, which the solution's own writes never cause, and a Run that
// only reads the clock never fails.
func (s *site) dropGuard() []candidate {
	var out []candidate
	s.stmtLists(func(list []ast.Stmt) {
		for i, st := range list {
			ifs, ok := st.(*ast.IfStmt)
			if !ok || ifs.Else != nil || len(ifs.Body.List) == 0 {
				continue
			}
			if _, ret := ifs.Body.List[len(ifs.Body.List)-1].(*ast.ReturnStmt); !ret {
				continue
			}
			var prev ast.Stmt
			if i > 0 {
				prev = list[i-1]
			}
			if s.stateReadErrCheck(ifs, prev) {
				continue
			}
			out = append(out, s.deleteStmt(DropGuard, ifs))
		}
	})
	return out
}

func (s *site) stateReadErrCheck(ifs *ast.IfStmt, prev ast.Stmt) bool {
	cond, ok := ifs.Cond.(*ast.BinaryExpr)
	if !ok || cond.Op != token.NEQ || !s.isErrorValue(cond.X) {
		return false
	}
	if id, ok := cond.Y.(*ast.Ident); !ok || id.Name != "nil" {
		return false
	}
	src := ifs.Init
	if src == nil {
		src = prev
	}
	as, ok := src.(*ast.AssignStmt)
	if !ok || len(as.Rhs) != 1 {
		return false
	}
	call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
	return ok && (s.readsState(call) || s.clockOnly(call) != nil)
}

// readsState: restate.Get, or a function of the package whose body is `return restate.Get(...)`.
func (s *site) readsState(call *ast.CallExpr) bool {
	if s.isRestate(call, "Get", "Keys") {
		return true
	}
	fn := s.callee(call)
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != "main" {
		return false
	}
	for _, f := range s.pkg.Files {
		for _, d := range f.AST.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || s.pkg.Info.Defs[fd.Name] != fn || len(fd.Body.List) != 1 {
				continue
			}
			ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
			if !ok || len(ret.Results) != 1 {
				return false
			}
			inner, ok := ast.Unparen(ret.Results[0]).(*ast.CallExpr)
			return ok && (&site{pkg: s.pkg, file: f}).isRestate(inner, "Get", "Keys")
		}
	}
	return false
}

var flips = map[token.Token]token.Token{
	token.EQL: token.NEQ, token.NEQ: token.EQL,
	token.LSS: token.LEQ, token.LEQ: token.LSS,
	token.GTR: token.GEQ, token.GEQ: token.GTR,
}

// 3. Flip every comparison (== <-> !=, < <-> <=, > <-> >=) and negate every condition
// of an if or a tagless switch case that is not itself an equality (its flip says it).
func (s *site) negate() []candidate {
	var out []candidate
	neg := func(cond ast.Expr) {
		if b, ok := ast.Unparen(cond).(*ast.BinaryExpr); ok && (b.Op == token.EQL || b.Op == token.NEQ) {
			return
		}
		text := s.text(cond)
		switch c := ast.Unparen(cond).(type) {
		case *ast.UnaryExpr:
			if c.Op == token.NOT {
				text = s.text(c.X)
			} else {
				text = "!(" + text + ")"
			}
		case *ast.Ident, *ast.CallExpr, *ast.SelectorExpr:
			text = "!" + text
		default:
			text = "!(" + text + ")"
		}
		out = append(out, s.replace(Negate, cond, text))
	}
	s.walk(func(n ast.Node, parents []ast.Node) {
		switch x := n.(type) {
		case *ast.BinaryExpr:
			if to, ok := flips[x.Op]; ok && !s.errNilCheck(x) {
				// The whole comparison is the replaced node: its text names the mutant.
				text := s.text(x.X) + s.between(x.X.End(), x.OpPos) + to.String() + s.between(x.OpPos+token.Pos(len(x.Op.String())), x.Y.Pos()) + s.text(x.Y)
				out = append(out, s.replace(Negate, x, text))
			}
		case *ast.IfStmt:
			neg(x.Cond)
		case *ast.SwitchStmt:
			if x.Tag != nil {
				return
			}
			for _, c := range x.Body.List {
				for _, e := range c.(*ast.CaseClause).List {
					neg(e)
				}
			}
		}
	})
	return out
}

// errNilCheck: err == nil or err != nil. Flipping one turns every success into a failure
// (or the reverse): any grader kills it at once, so grading it teaches nothing.
func (s *site) errNilCheck(b *ast.BinaryExpr) bool {
	id, ok := ast.Unparen(b.Y).(*ast.Ident)
	return ok && id.Name == "nil" && s.isErrorValue(b.X)
}

func (s *site) between(a, b token.Pos) string { return string(s.file.Src[s.off(a):s.off(b)]) }

// 4. Delete a restate.Set, Clear or ClearAll.
func (s *site) dropStateWrite() []candidate {
	var out []candidate
	s.walk(func(n ast.Node, _ []ast.Node) {
		st, ok := n.(*ast.ExprStmt)
		if !ok {
			return
		}
		if call, ok := st.X.(*ast.CallExpr); ok && s.isRestate(call, "Set", "Clear", "ClearAll") {
			out = append(out, s.deleteStmt(DropStateWrite, st))
		}
	})
	return out
}

// 5. restate.Rand/RandSource/UUID become math/rand / uuid.New, and a Run that only
// reads the clock becomes the clock read: values that differ on every retry.
func (s *site) nondeterminism() []candidate {
	var out []candidate
	s.walk(func(n ast.Node, _ []ast.Node) {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return
		}
		switch {
		case s.isRestate(call, "Rand", "RandSource"):
			name, extra, ok := s.importName("math/rand/v2", "mrand")
			if !ok {
				return
			}
			src := name + ".NewPCG(" + name + ".Uint64(), " + name + ".Uint64())"
			if s.isRestate(call, "Rand") {
				src = name + ".New(" + src + ")"
			}
			out = append(out, s.replace(Nondeterminism, call, src, extra...))
		case s.isRestate(call, "UUID"):
			name, extra, ok := s.importName("github.com/google/uuid", "uuid")
			if ok {
				out = append(out, s.replace(Nondeterminism, call, name+".New()", extra...))
			}
		default:
			// The converted nil fits both an err declared here and one declared by an
			// earlier restate call (a restate.TerminalError).
			if e := s.clockOnly(call); e != nil {
				if name, extra, ok := s.importName(restatePath, "restate"); ok {
					out = append(out, s.replace(Nondeterminism, call, s.text(e)+", "+name+".TerminalError(nil)", extra...))
				}
			}
		}
	})
	return out
}

// 6. A terminal error becomes a plain one, which Restate retries (ToTerminalError(e)
// -> e, TerminalErrorf -> fmt.Errorf), or loses its status code (WithErrorCode dropped).
func (s *site) plainError() []candidate {
	var out []candidate
	s.walk(func(n ast.Node, _ []ast.Node) {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return
		}
		switch {
		case s.isRestate(call, "ToTerminalError") && len(call.Args) >= 1:
			out = append(out, s.replace(PlainError, call, s.text(call.Args[0])))
			for i := 1; i < len(call.Args); i++ {
				if c, ok := call.Args[i].(*ast.CallExpr); ok && s.isRestate(c, "WithErrorCode") {
					out = append(out, s.replaceRange(PlainError, call.Args[i-1].End(), c.End(), ""))
				}
			}
		case s.isRestate(call, "TerminalErrorf"):
			name, extra, ok := s.importName("fmt", "fmt")
			if ok {
				out = append(out, s.replace(PlainError, call.Fun, name+".Errorf", extra...))
			}
		}
	})
	return out
}

// 7. A call to a fixtures gateway or to another Restate service is lost: deleted when it
// is a statement of its own, else replaced by its results' zero values (a call that
// "succeeded" without reaching anyone).
func (s *site) dropEffect() []candidate {
	var out []candidate
	s.walk(func(n ast.Node, parents []ast.Node) {
		call, ok := n.(*ast.CallExpr)
		if !ok || !(is(s.callee(call), fixturesPath) || s.isServiceCall(call)) {
			return
		}
		if st, ok := parents[len(parents)-1].(*ast.ExprStmt); ok {
			out = append(out, s.deleteStmt(DropEffect, st))
			return
		}
		zero, extra, ok := s.zeroValues(s.typeOf(call))
		if ok {
			out = append(out, s.replace(DropEffect, call, zero, extra...))
		}
	})
	return out
}

// 8. Swap two adjacent statements. Pairs of plain assignments that touch disjoint
// variables and call nothing are skipped: their order provably cannot matter.
func (s *site) swapStmts() []candidate {
	var out []candidate
	s.stmtLists(func(list []ast.Stmt) {
		for i := 0; i+1 < len(list); i++ {
			a, b := list[i], list[i+1]
			if jumps(a) || jumps(b) || s.independent(a, b) || s.stateReadCheckAt(list, i) || s.stateReadCheckAt(list, i+1) {
				continue
			}
			text := s.text(b) + s.between(a.End(), b.Pos()) + s.text(a)
			c := s.replaceRange(SwapStmts, a.Pos(), b.End(), text)
			c.label = firstLine(s.text(a)) + "  <->  " + firstLine(s.text(b))
			out = append(out, c)
		}
	})
	return out
}

// stateReadCheckAt: list[i] is the error check of a state read, which never fires
// (see dropGuard): moving it changes nothing anyone can observe.
func (s *site) stateReadCheckAt(list []ast.Stmt, i int) bool {
	ifs, ok := list[i].(*ast.IfStmt)
	if !ok {
		return false
	}
	var prev ast.Stmt
	if i > 0 {
		prev = list[i-1]
	}
	return s.stateReadErrCheck(ifs, prev)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

func jumps(st ast.Stmt) bool {
	switch st.(type) {
	case *ast.ReturnStmt, *ast.BranchStmt, *ast.LabeledStmt, *ast.EmptyStmt:
		return true
	}
	return false
}

// independent: both statements are assignments that call nothing but builtins, and
// neither writes what the other reads or writes.
func (s *site) independent(a, b ast.Stmt) bool {
	ra, wa, okA := s.access(a)
	rb, wb, okB := s.access(b)
	if !okA || !okB {
		return false
	}
	for _, w := range wa {
		for _, x := range append(rb, wb...) {
			if overlap(w, x) {
				return false
			}
		}
	}
	for _, w := range wb {
		for _, x := range ra {
			if overlap(w, x) {
				return false
			}
		}
	}
	return true
}

func overlap(p, q string) bool {
	return p == q || strings.HasPrefix(p, q+".") || strings.HasPrefix(q, p+".")
}

// access lists the paths (x, x.f.g) a simple statement reads and writes; ok is false
// for anything but a call-free assignment or increment.
func (s *site) access(st ast.Stmt) (reads, writes []string, ok bool) {
	var lhs, rhs []ast.Expr
	switch x := st.(type) {
	case *ast.AssignStmt:
		lhs, rhs = x.Lhs, x.Rhs
	case *ast.IncDecStmt:
		lhs = []ast.Expr{x.X}
	default:
		return nil, nil, false
	}
	ok = true
	for _, e := range lhs {
		p := path(e)
		if p == "" {
			return nil, nil, false
		}
		writes = append(writes, p)
	}
	for _, e := range rhs {
		ast.Inspect(e, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if tv, conv := s.pkg.Info.Types[x.Fun]; conv && tv.IsType() {
					return true
				}
				if id, isID := ast.Unparen(x.Fun).(*ast.Ident); isID {
					if _, builtin := s.pkg.Info.Uses[id].(*types.Builtin); builtin {
						return true
					}
				}
				ok = false
			case *ast.FuncLit:
				ok = false
			case *ast.SelectorExpr, *ast.Ident:
				if p := path(x.(ast.Expr)); p != "" {
					reads = append(reads, p)
					return false
				}
			}
			return ok
		})
	}
	return reads, writes, ok
}

func path(e ast.Expr) string {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		if p := path(x.X); p != "" {
			return p + "." + x.Sel.Name
		}
	case *ast.IndexExpr:
		return path(x.X)
	case *ast.StarExpr:
		return path(x.X)
	}
	return ""
}

var arithSwaps = map[token.Token]token.Token{
	token.ADD: token.SUB, token.SUB: token.ADD, token.MUL: token.QUO, token.QUO: token.MUL, token.REM: token.QUO,
	token.ADD_ASSIGN: token.SUB_ASSIGN, token.SUB_ASSIGN: token.ADD_ASSIGN,
	token.MUL_ASSIGN: token.QUO_ASSIGN, token.QUO_ASSIGN: token.MUL_ASSIGN,
	token.INC: token.DEC, token.DEC: token.INC,
}

// 9. On integers: swap an arithmetic operator (+ -, * /, % /, += -=, ++ --), add or
// subtract 1 from an arithmetic expression, and move an integer literal by one. A
// literal passed to another package's function (time.Date's fields, a status code) is
// left alone: it configures a library, it does not compute a value.
func (s *site) arith() []candidate {
	var out []candidate
	s.walk(func(n ast.Node, parents []ast.Node) {
		switch x := n.(type) {
		case *ast.BinaryExpr:
			to, ok := arithSwaps[x.Op]
			if !ok || !isInteger(s.typeOf(x)) {
				return
			}
			text := s.text(x.X) + s.between(x.X.End(), x.OpPos) + to.String() + s.between(x.OpPos+token.Pos(len(x.Op.String())), x.Y.Pos()) + s.text(x.Y)
			out = append(out, s.replace(Arith, x, text))
			if !s.insideArith(parents) {
				out = append(out, s.replace(Arith, x, s.text(x)+" + 1"), s.replace(Arith, x, s.text(x)+" - 1"))
			}
		case *ast.AssignStmt:
			if to, ok := arithSwaps[x.Tok]; ok && len(x.Lhs) == 1 && isInteger(s.typeOf(x.Lhs[0])) {
				out = append(out, s.replace(Arith, x, s.text(x.Lhs[0])+s.between(x.Lhs[0].End(), x.TokPos)+to.String()+s.between(x.TokPos+token.Pos(len(x.Tok.String())), x.Rhs[0].Pos())+s.text(x.Rhs[0])))
			}
		case *ast.IncDecStmt:
			if isInteger(s.typeOf(x.X)) {
				out = append(out, s.replace(Arith, x, s.text(x.X)+arithSwaps[x.Tok].String()))
			}
		case *ast.BasicLit:
			if x.Kind != token.INT || !isInteger(s.typeOf(x)) || s.libraryArg(x, parents) {
				return
			}
			v, err := strconv.ParseInt(strings.ReplaceAll(x.Value, "_", ""), 0, 64)
			if err != nil {
				return
			}
			out = append(out, s.replace(Arith, x, strconv.FormatInt(v+1, 10)))
			if v > 0 {
				out = append(out, s.replace(Arith, x, strconv.FormatInt(v-1, 10)))
			}
		}
	})
	return out
}

func (s *site) insideArith(parents []ast.Node) bool {
	for i := len(parents) - 1; i >= 0; i-- {
		switch p := parents[i].(type) {
		case *ast.ParenExpr:
			continue
		case *ast.BinaryExpr:
			_, ok := arithSwaps[p.Op]
			return ok
		}
		return false
	}
	return false
}

func (s *site) libraryArg(lit *ast.BasicLit, parents []ast.Node) bool {
	if len(parents) == 0 {
		return false
	}
	call, ok := parents[len(parents)-1].(*ast.CallExpr)
	if !ok || call.Fun == ast.Expr(lit) {
		return false
	}
	fn := s.callee(call)
	return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() != "main"
}

// 10. A state key changes at one place (reads and writes disagree: the state splits),
// and an idempotency key (restate.WithIdempotencyKey, a gateway's idempotencyKey)
// either differs on every call or is the same for every call.
func (s *site) changeKey() []candidate {
	var out []candidate
	idem := func(key ast.Expr) {
		name, extra, ok := s.importName("time", "time")
		if ok {
			out = append(out, s.replace(ChangeKey, key, s.text(key)+" + "+name+".Now().String()", extra...))
		}
		out = append(out, s.replace(ChangeKey, key, `"idempotency-key"`))
	}
	s.walk(func(n ast.Node, _ []ast.Node) {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return
		}
		switch {
		case s.isRestate(call, "Get", "Set", "Clear") && len(call.Args) >= 2:
			out = append(out, s.replace(ChangeKey, call.Args[1], s.text(call.Args[1])+` + "~"`))
		case s.isRestate(call, "WithIdempotencyKey") && len(call.Args) == 1:
			idem(call.Args[0])
		case is(s.callee(call), fixturesPath):
			sig := s.callee(call).Type().(*types.Signature)
			for i := range min(sig.Params().Len(), len(call.Args)) {
				if sig.Params().At(i).Name() == "idempotencyKey" {
					idem(call.Args[i])
				}
			}
		}
	})
	return out
}
