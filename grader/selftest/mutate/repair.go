package mutate

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// repair makes a mutant compile when all that stops it is Go's rule against unused
// variables and imports: deleting a guard leaves the value it checked unread, deleting
// the only gateway call leaves fixtures unimported. The mutant means the deletion, so
// the value is read with `_ = x` after its declaration and the import becomes `_ "path"`.
func repair(pkg *Package, name string, src []byte, errs []error) ([]byte, bool) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, false
	}
	offset := func(p token.Pos) int { return pkg.Fset.Position(p).Offset }
	var edits []edit
	for _, e := range errs {
		var te types.Error
		if !errors.As(e, &te) {
			return nil, false
		}
		at := offset(te.Pos)
		switch {
		case strings.HasPrefix(te.Msg, "declared and not used: "):
			v := strings.TrimPrefix(te.Msg, "declared and not used: ")
			st := declaringStmt(f, fset, at)
			if st == nil {
				return nil, false
			}
			end := fset.Position(st.End()).Offset
			line := fset.Position(st.Pos())
			indent := string(src[line.Offset-line.Column+1 : line.Offset])
			edits = append(edits, edit{end, end, "\n" + indent + "_ = " + v})
		case strings.HasSuffix(te.Msg, " imported and not used"):
			spec := importAt(f, fset, at)
			if spec == nil {
				return nil, false
			}
			p := fset.Position(spec.Pos()).Offset
			edits = append(edits, edit{p, fset.Position(spec.End()).Offset, "_ " + spec.Path.Value})
		default:
			return nil, false
		}
	}
	out, err := apply(src, edits)
	return out, err == nil && len(pkg.check(name, out)) == 0
}

// declaringStmt is the statement of a block that contains offset at.
func declaringStmt(f *ast.File, fset *token.FileSet, at int) ast.Stmt {
	var found ast.Stmt
	ast.Inspect(f, func(n ast.Node) bool {
		b, ok := n.(*ast.BlockStmt)
		if !ok {
			return true
		}
		for _, st := range b.List {
			if fset.Position(st.Pos()).Offset <= at && at < fset.Position(st.End()).Offset {
				switch st.(type) {
				case *ast.AssignStmt, *ast.DeclStmt:
					found = st
				}
			}
		}
		return true
	})
	return found
}

func importAt(f *ast.File, fset *token.FileSet, at int) *ast.ImportSpec {
	for _, spec := range f.Imports {
		if fset.Position(spec.Pos()).Offset <= at && at < fset.Position(spec.End()).Offset {
			if _, err := strconv.Unquote(spec.Path.Value); err == nil && spec.Name == nil {
				return spec
			}
		}
	}
	return nil
}
