package deploy

// A small CloudFormation reader for the template's tests (no cfn-lint or
// SAM CLI here): the YAML with its short-form intrinsics (!Ref, !Sub,
// !If...) read into plain values in their long form; a check of every
// resource against AWS's resource schema (property names, required ones,
// types where a literal stands); and an evaluator that, for given
// parameter values, resolves conditions, Fn::If and AWS::NoValue, Refs to
// parameters and Fn::Sub, so the tests can look at the template as
// CloudFormation will build it.
//
// The schema is the SAM schema goformation generates from AWS's
// CloudFormation resource specification (github.com/awslabs/goformation,
// Apache-2.0); only that string is used, not goformation's typed parser.

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/schema"
	"gopkg.in/yaml.v3"
)

// readTemplate reads a CloudFormation template into plain values: maps,
// lists, strings, float64s and bools; short-form intrinsics become their
// long form ({"Ref": X}, {"Fn::Sub": ...}).
func readTemplate(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	v, err := fromNode(doc.Content[0])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: not a mapping", path)
	}
	return m
}

// shortForms maps YAML tags to the intrinsic function they abbreviate.
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition", "!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt", "!If": "Fn::If",
	"!Equals": "Fn::Equals", "!Not": "Fn::Not", "!And": "Fn::And", "!Or": "Fn::Or", "!Join": "Fn::Join",
	"!Select": "Fn::Select", "!Split": "Fn::Split", "!FindInMap": "Fn::FindInMap", "!Base64": "Fn::Base64",
	"!ImportValue": "Fn::ImportValue", "!GetAZs": "Fn::GetAZs", "!Cidr": "Fn::Cidr",
}

func fromNode(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.AliasNode:
		return fromNode(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("line %d: %q twice in one mapping", n.Content[i].Line, k)
			}
			val, err := fromNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k] = val
		}
		v = m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			val, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		v = l
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			f, err := strconv.ParseFloat(n.Value, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			v = f
		case "!!bool":
			v = n.Value == "true"
		case "!!null":
			v = nil
		default:
			v = n.Value
		}
	}
	if fn, ok := shortForms[n.Tag]; ok {
		if fn == "Fn::GetAtt" {
			if s, ok := v.(string); ok { // !GetAtt Resource.Attribute
				res, att, _ := strings.Cut(s, ".")
				v = []any{res, att}
			}
		}
		return map[string]any{fn: v}, nil
	} else if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
	}
	return v, nil
}

// intrinsic returns the function and argument of a value that is an
// intrinsic function call.
func intrinsic(v any) (string, any, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, a, true
		}
	}
	return "", nil, false
}

// The resource schema.

type jsonSchema struct {
	Ref                  string                 `json:"$ref"`
	Type                 any                    `json:"type"` // a name or a list of names
	Properties           map[string]*jsonSchema `json:"properties"`
	PatternProperties    map[string]*jsonSchema `json:"patternProperties"`
	AdditionalProperties any                    `json:"additionalProperties"`
	Required             []string               `json:"required"`
	Items                *jsonSchema            `json:"items"`
	AnyOf                []*jsonSchema          `json:"anyOf"`
	Enum                 []any                  `json:"enum"`
}

type resourceSchema struct{ defs map[string]*jsonSchema }

func loadSchema(t *testing.T) *resourceSchema {
	t.Helper()
	var s struct {
		Definitions map[string]*jsonSchema `json:"definitions"`
	}
	if err := json.Unmarshal([]byte(schema.SamSchema), &s); err != nil {
		t.Fatal(err)
	}
	return &resourceSchema{defs: s.Definitions}
}

// check lists what in resource r (its Type, Properties...) the schema
// refuses.
func (s *resourceSchema) check(name string, r map[string]any) []string {
	typ, _ := r["Type"].(string)
	def, ok := s.defs[typ]
	if !ok {
		return []string{fmt.Sprintf("Resources.%s: unknown type %q", name, typ)}
	}
	return s.walk("Resources."+name, r, def)
}

func (s *resourceSchema) resolve(sc *jsonSchema) *jsonSchema {
	for sc != nil && sc.Ref != "" {
		sc = s.defs[strings.TrimPrefix(sc.Ref, "#/definitions/")]
	}
	return sc
}

func types(sc *jsonSchema) []string {
	switch t := sc.Type.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func (s *resourceSchema) walk(path string, v any, sc *jsonSchema) []string {
	sc = s.resolve(sc)
	if sc == nil {
		return nil
	}
	if fn, arg, ok := intrinsic(v); ok {
		// An Fn::If's branches must each fit; any other function's value
		// is known only when the stack is built.
		if args, _ := arg.([]any); fn == "Fn::If" && len(args) == 3 {
			var errs []string
			for i, b := range args[1:] {
				if f, a, ok := intrinsic(b); ok && f == "Ref" && a == "AWS::NoValue" {
					continue
				}
				errs = append(errs, s.walk(fmt.Sprintf("%s(if-branch %d)", path, i+1), b, sc)...)
			}
			return errs
		}
		return nil
	}
	if len(sc.AnyOf) > 0 {
		var best []string
		for i, alt := range sc.AnyOf {
			errs := s.walk(path, v, alt)
			if len(errs) == 0 {
				return nil
			}
			if i == 0 || len(errs) < len(best) {
				best = errs
			}
		}
		return best
	}
	ts := types(sc)
	is := func(name string) bool { return len(ts) == 0 || slices.Contains(ts, name) }
	switch x := v.(type) {
	case map[string]any:
		if !is("object") {
			return []string{fmt.Sprintf("%s: a mapping where the schema wants %v", path, ts)}
		}
		var errs []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			var sub *jsonSchema
			if p, ok := sc.Properties[k]; ok {
				sub = p
			} else {
				for pat, p := range sc.PatternProperties {
					if regexp.MustCompile(pat).MatchString(k) {
						sub = p
						break
					}
				}
			}
			if sub == nil {
				if sc.AdditionalProperties == false {
					errs = append(errs, fmt.Sprintf("%s: unknown property %q (known: %s)", path, k,
						strings.Join(slices.Sorted(maps.Keys(sc.Properties)), ", ")))
				}
				continue
			}
			errs = append(errs, s.walk(path+"."+k, x[k], sub)...)
		}
		for _, k := range sc.Required {
			if _, ok := x[k]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required property %q missing", path, k))
			}
		}
		return errs
	case []any:
		if !is("array") {
			return []string{fmt.Sprintf("%s: a list where the schema wants %v", path, ts)}
		}
		var errs []string
		for i, e := range x {
			errs = append(errs, s.walk(fmt.Sprintf("%s[%d]", path, i), e, sc.Items)...)
		}
		return errs
	default:
		// CloudFormation passes every scalar as a string; a property's
		// type says what the string must read as.
		str := fmt.Sprint(x)
		ok := len(ts) == 0
		for _, t := range ts {
			switch t {
			case "string":
				ok = true
			case "number":
				_, err := strconv.ParseFloat(str, 64)
				ok = ok || err == nil
			case "integer":
				_, err := strconv.ParseInt(str, 10, 64)
				ok = ok || err == nil
			case "boolean":
				ok = ok || str == "true" || str == "false"
			}
		}
		if !ok {
			return []string{fmt.Sprintf("%s: %q is not a %v", path, str, ts)}
		}
		if len(sc.Enum) > 0 && !slices.ContainsFunc(sc.Enum, func(e any) bool { return fmt.Sprint(e) == str }) {
			return []string{fmt.Sprintf("%s: %q is none of %v", path, str, sc.Enum)}
		}
		return nil
	}
}

// The evaluator.

// pseudo are the pseudo parameters' values the tests build with.
var pseudo = map[string]string{
	"AWS::AccountId": "123456789012", "AWS::Region": "ap-northeast-2", "AWS::Partition": "aws",
	"AWS::StackName": "thumbdrop", "AWS::URLSuffix": "amazonaws.com",
}

// stack is a template built for parameter values: what CloudFormation
// would create.
type stack struct {
	Params     map[string]string
	Conditions map[string]bool
	// Resources holds only those whose Condition holds, their values
	// resolved: a Ref to a resource reads "<Ref Name>", a Fn::GetAtt
	// "<GetAtt Name.Attr>".
	Resources map[string]map[string]any
	Outputs   map[string]any
	// Dangling lists references to what does not exist with these
	// values (a resource left out by its condition, a typo).
	Dangling []string
}

// build evaluates tmpl with the given parameter values (the others take
// their defaults); a value outside a parameter's AllowedValues or
// AllowedPattern fails the test.
func build(t *testing.T, tmpl map[string]any, set map[string]string) *stack {
	t.Helper()
	st := &stack{Params: map[string]string{}, Conditions: map[string]bool{}, Resources: map[string]map[string]any{}, Outputs: map[string]any{}}
	params, _ := tmpl["Parameters"].(map[string]any)
	for k, v := range set {
		if _, ok := params[k]; !ok {
			t.Fatalf("no parameter %s", k)
		}
		st.Params[k] = v
	}
	for name, p := range params {
		p := p.(map[string]any)
		if _, ok := st.Params[name]; !ok {
			d, ok := p["Default"]
			if !ok {
				t.Fatalf("parameter %s has no default", name)
			}
			st.Params[name] = fmt.Sprint(d)
		}
		if err := allowed(p, st.Params[name]); err != nil {
			t.Fatalf("parameter %s: %v", name, err)
		}
	}
	conds, _ := tmpl["Conditions"].(map[string]any)
	var cond func(name string, seen []string) bool
	cond = func(name string, seen []string) bool {
		if b, ok := st.Conditions[name]; ok {
			return b
		}
		c, ok := conds[name]
		if !ok || slices.Contains(seen, name) {
			t.Fatalf("condition %s: unknown or circular", name)
		}
		b := st.truth(t, c, func(n string) bool { return cond(n, append(seen, name)) })
		st.Conditions[name] = b
		return b
	}
	for name := range conds {
		cond(name, nil)
	}
	resources := tmpl["Resources"].(map[string]any)
	exists := func(name string) bool {
		r, ok := resources[name].(map[string]any)
		if !ok {
			return false
		}
		c, has := r["Condition"].(string)
		return !has || st.Conditions[c]
	}
	ev := evaluator{st: st, exists: exists, t: t}
	for name, r := range resources {
		if !exists(name) {
			continue
		}
		st.Resources[name] = ev.eval("Resources."+name, r).(map[string]any)
	}
	outs, _ := tmpl["Outputs"].(map[string]any)
	for name, o := range outs {
		o := o.(map[string]any)
		if c, ok := o["Condition"].(string); ok && !st.Conditions[c] {
			continue
		}
		st.Outputs[name] = ev.eval("Outputs."+name, o["Value"])
	}
	return st
}

// allowed checks a parameter's value as CloudFormation does: one of its
// AllowedValues, matching the whole of its AllowedPattern.
func allowed(param map[string]any, val string) error {
	if av, ok := param["AllowedValues"].([]any); ok && !slices.ContainsFunc(av, func(a any) bool { return fmt.Sprint(a) == val }) {
		return fmt.Errorf("%q is none of %v", val, av)
	}
	if pat, ok := param["AllowedPattern"].(string); ok && !regexp.MustCompile("^(?:"+pat+")$").MatchString(val) {
		return fmt.Errorf("%q does not match %s", val, pat)
	}
	return nil
}

// truth evaluates a condition's expression.
func (st *stack) truth(t *testing.T, c any, cond func(string) bool) bool {
	fn, arg, ok := intrinsic(c)
	if !ok {
		t.Fatalf("condition %v is not a function", c)
	}
	args, _ := arg.([]any)
	switch fn {
	case "Condition":
		return cond(arg.(string))
	case "Fn::Not":
		return !st.truth(t, args[0], cond)
	case "Fn::And", "Fn::Or":
		all, any := true, false
		for _, a := range args {
			b := st.truth(t, a, cond)
			all, any = all && b, any || b
		}
		if fn == "Fn::And" {
			return all
		}
		return any
	case "Fn::Equals":
		str := func(v any) string {
			if f, a, ok := intrinsic(v); ok && f == "Ref" {
				return st.Params[a.(string)]
			}
			return fmt.Sprint(v)
		}
		return str(args[0]) == str(args[1])
	}
	t.Fatalf("condition function %s not handled", fn)
	return false
}

type evaluator struct {
	st     *stack
	exists func(resource string) bool
	t      *testing.T
}

// noValue stands for AWS::NoValue until its property or list item is
// dropped.
type noValue struct{}

func (e evaluator) ref(path, name string) string {
	if v, ok := e.st.Params[name]; ok {
		return v
	}
	if v, ok := pseudo[name]; ok {
		return v
	}
	if !e.exists(name) {
		e.st.Dangling = append(e.st.Dangling, fmt.Sprintf("%s: %s", path, name))
	}
	return "<Ref " + name + ">"
}

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

func (e evaluator) eval(path string, v any) any {
	if fn, arg, ok := intrinsic(v); ok {
		args, _ := arg.([]any)
		switch fn {
		case "Ref":
			if arg == "AWS::NoValue" {
				return noValue{}
			}
			return e.ref(path, arg.(string))
		case "Fn::If":
			if e.st.Conditions[args[0].(string)] {
				return e.eval(path, args[1])
			}
			return e.eval(path, args[2])
		case "Fn::GetAtt":
			name := args[0].(string)
			if !e.exists(name) {
				e.st.Dangling = append(e.st.Dangling, fmt.Sprintf("%s: %s", path, name))
			}
			return fmt.Sprintf("<GetAtt %s.%s>", name, args[1])
		case "Fn::Sub":
			s, vars := "", map[string]any{}
			if str, ok := arg.(string); ok {
				s = str
			} else {
				s = args[0].(string)
				vars = args[1].(map[string]any)
			}
			return subVar.ReplaceAllStringFunc(s, func(m string) string {
				name := m[2 : len(m)-1]
				if val, ok := vars[name]; ok {
					return fmt.Sprint(e.eval(path, val))
				}
				if res, att, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
					if !e.exists(res) {
						e.st.Dangling = append(e.st.Dangling, fmt.Sprintf("%s: %s", path, res))
					}
					return fmt.Sprintf("<GetAtt %s.%s>", res, att)
				}
				return e.ref(path, name)
			})
		}
		e.t.Fatalf("%s: %s not handled by the test's evaluator", path, fn)
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if r := e.eval(path+"."+k, val); r != (noValue{}) {
				out[k] = r
			}
		}
		return out
	case []any:
		out := []any{}
		for i, val := range x {
			if r := e.eval(fmt.Sprintf("%s[%d]", path, i), val); r != (noValue{}) {
				out = append(out, r)
			}
		}
		return out
	}
	return v
}

// decode turns an evaluated value into a typed one (the fields a test
// reads; the schema check has vouched for every property name).
func decode[T any](t *testing.T, what string, v any) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, b)
	}
	return out
}
