package strictyaml

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// doc is a small schema of every kind of value the decoder takes.
type doc struct {
	Name  string   `yaml:"name"`
	Seed  uint64   `yaml:"seed"`
	On    bool     `yaml:"on"`
	Noise *float64 `yaml:"noise,omitempty"`
	Train train    `yaml:"train"`
	Box   box      `yaml:"box"`
	Skip  int      `yaml:"-"`
}

type train struct {
	Steps int         `yaml:"steps"`
	Rate  float64     `yaml:"rate"`
	Sizes []int       `yaml:"sizes"`
	Grid  [][]float64 `yaml:"grid"`
}

type box struct {
	Low  float64 `yaml:"low"`
	High float64 `yaml:"high"`
}

func defaults() doc {
	return doc{Name: "d", Train: train{Steps: 10, Rate: 0.5, Sizes: []int{4}}, Box: box{Low: -1, High: 1}}
}

// decode parses text as t.yaml, applies the overrides and decodes the
// result over defaults. Empty text stands for a file of a comment alone.
func decode(text string, overrides ...string) (doc, *Decoder, error) {
	if text == "" {
		text = "# no keys\n"
	}
	d := NewDecoder("t.yaml")
	out := defaults()
	root, err := d.Parse([]byte(text))
	if err != nil {
		return out, d, err
	}
	for _, o := range overrides {
		if err := d.Override(root, o); err != nil {
			return out, d, err
		}
	}
	return out, d, d.Decode(root, &out)
}

func TestDecodeErrors(t *testing.T) {
	bomb := "train:\n  grid: [&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], " +
		"&c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d], " +
		"&f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e], [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]]\n"
	cases := []struct {
		name      string
		text      string
		overrides []string
		want      string // the whole message
	}{
		{"misspelled key", "train:\n  setps: 1\n", nil, `strictyaml: t.yaml:2: train.setps: unknown key; did you mean "steps"? (known keys here: grid, rate, sizes, steps)`},
		{"unknown key", "bogus: 1\n", nil, `strictyaml: t.yaml:1: bogus: unknown key (known keys here: box, name, noise, on, seed, train)`},
		{"tag -", "Skip: 1\n", nil, `strictyaml: t.yaml:1: Skip: unknown key (known keys here: box, name, noise, on, seed, train)`},
		{"empty key", "? \n", nil, `strictyaml: t.yaml: : unknown key; did you mean "on"? (known keys here: box, name, noise, on, seed, train)`},
		{"key with a space", "\"a b\": 1\n", nil, `strictyaml: t.yaml:1: "a b": unknown key (known keys here: box, name, noise, on, seed, train)`},
		{"mapping wanted", "train: 5\n", nil, `strictyaml: t.yaml:1: train: expected a mapping of keys, got "5"`},
		{"integer wanted", "train:\n  steps: many\n", nil, `strictyaml: t.yaml:2: train.steps: expected an integer, got "many"`},
		{"fraction for an integer", "train:\n  steps: 2.9\n", nil, `strictyaml: t.yaml:2: train.steps: expected an integer, got 2.9`},
		{"exponent for an integer", "train:\n  steps: 1e12\n", nil, `strictyaml: t.yaml:2: train.steps: expected an integer, got 1e12`},
		{"integer out of range", "train:\n  steps: 99999999999999999999\n", nil, `strictyaml: t.yaml:2: train.steps: 99999999999999999999 is out of range for an integer`},
		{"negative uint64", "seed: -1\n", nil, `strictyaml: t.yaml:1: seed: expected a non-negative integer from 0 to 18446744073709551615, got -1`},
		{"uint64 overflow", "seed: 18446744073709551616\n", nil, `strictyaml: t.yaml:1: seed: expected a non-negative integer from 0 to 18446744073709551615, got 18446744073709551616`},
		{"bool wanted", "on: maybe\n", nil, `strictyaml: t.yaml:1: on: expected true or false, got "maybe"`},
		{"number wanted", "train:\n  rate: fast\n", nil, `strictyaml: t.yaml:2: train.rate: expected a number, got "fast"`},
		{"list wanted", "train:\n  sizes: 12x\n", nil, `strictyaml: t.yaml:2: train.sizes: expected a list of integers, got "12x"`},
		{"list element", "train:\n  sizes: [1, 2.5]\n", nil, `strictyaml: t.yaml:2: train.sizes[1]: expected an integer, got 2.5`},
		{"nested list", "train:\n  grid: [1, 0]\n", nil, `strictyaml: t.yaml:2: train.grid[0]: expected a list of numbers, got "1"`},
		{"scalar wanted", "name: [a]\n", nil, `strictyaml: t.yaml:1: name: expected a string, got a list`},
		{"infinite", "train:\n  rate: -.Inf\n", nil, `strictyaml: t.yaml:2: train.rate: must be a finite number, got -.Inf`},
		{"nan in a list", "train:\n  grid: [[.nan]]\n", nil, `strictyaml: t.yaml:2: train.grid[0][0]: must be a finite number, got .nan`},
		{"infinite through a pointer", "noise: .inf\n", nil, `strictyaml: t.yaml:1: noise: must be a finite number, got .inf`},
		{"alias bomb", bomb, nil, `strictyaml: t.yaml:2: train.grid[1][0]: expected a number, got a list`},
		{"syntax", "name: [t\n", nil, `strictyaml: t.yaml: line 1: did not find expected ',' or ']'`},
		{"not a mapping", "- a\n- b\n", nil, `strictyaml: t.yaml:1: the file must be a YAML mapping of keys to values, got a list`},
		{"override type", "", []string{"train.steps=abc"}, `strictyaml: -set train.steps=abc: train.steps: expected an integer, got "abc"`},
		{"override key", "", []string{"train.stepz=5"}, `strictyaml: -set train.stepz=5: train.stepz: unknown key; did you mean "steps"? (known keys here: grid, rate, sizes, steps)`},
		{"override of an unknown section", "name: x\n", []string{"bogus.key=5"}, `strictyaml: -set bogus.key=5: bogus: unknown key (known keys here: box, name, noise, on, seed, train)`},
		{"override of an unknown section inside a known one", "train:\n  steps: 3\n", []string{"train.bogus.x=1"}, `strictyaml: -set train.bogus.x=1: train.bogus: unknown key (known keys here: grid, rate, sizes, steps)`},
		{"overrides of an unknown section", "name: x\n", []string{"bogus.z=5", "bogus.a=1"}, `strictyaml: -set bogus.a=1: bogus: unknown key (known keys here: box, name, noise, on, seed, train)`},
		{"override below an override", "", []string{"train=5"}, `strictyaml: -set train=5: train: expected a mapping of keys, got "5"`},
		{"override without =", "", []string{"train.steps"}, `strictyaml: -set "train.steps": want key=value with a dotted key`},
		{"override bad key", "", []string{"train..steps=1"}, `strictyaml: -set "train..steps=1": want key=value with a dotted key`},
		{"override bad yaml", "", []string{"train.sizes=[1"}, `strictyaml: -set train.sizes=[1: value is not valid YAML: line 1: did not find expected ',' or ']'`},
		{"override below a scalar", "name: x\n", []string{"name.first=y"}, `strictyaml: -set name.first=y: name is not a mapping (t.yaml:1)`},
		{"override with a space", "", []string{"name=a b", "name=[1]"}, `strictyaml: -set name=[1]: name: expected a string, got a list`},
		{"override odd value quoted", "", []string{"on=no way"}, `strictyaml: -set "on=no way": on: expected true or false, got "no way"`},
		{"flag override", "", []string{FlagOverride("steps", "train.steps", "x")}, `strictyaml: -steps x: train.steps: expected an integer, got "x"`},
		{"flag override quoted", "", []string{FlagOverride("steps", "train.steps", "x y")}, `strictyaml: -steps "x y": train.steps: expected an integer, got "x y"`},
		{"list element of an override", "train:\n  sizes: [1]\n", []string{"train.sizes=[1, x]"}, `strictyaml: -set "train.sizes=[1, x]": train.sizes[1]: expected an integer, got "x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := decode(c.text, c.overrides...)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if err.Error() != c.want {
				t.Errorf("error\n  %v\nwant\n  %s", err, c.want)
			}
			var located *Error
			if !errors.As(err, &located) {
				t.Errorf("error is a %T, want an *Error", err)
			} else if want := strings.TrimPrefix(c.want, "strictyaml: "); located.Located() != want {
				t.Errorf("located %q, want %q", located.Located(), want)
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	three := 3.0
	cases := []struct {
		name      string
		text      string
		overrides []string
		want      func(*doc)
	}{
		{"comments alone keep the defaults", "# nothing\n", nil, func(*doc) {}},
		{"empty value keeps the default", "name:\ntrain:\n  steps:\n", nil, func(*doc) {}},
		{"values", "name: x\nseed: 0x10\non: true\nnoise: 3\ntrain:\n  steps: 1_000\n  rate: 2\n  sizes: [1, 2]\n  grid: [[1], [2, 3]]\n", nil,
			func(d *doc) {
				d.Name, d.Seed, d.On, d.Noise = "x", 16, true, &three
				d.Train = train{Steps: 1000, Rate: 2, Sizes: []int{1, 2}, Grid: [][]float64{{1}, {2, 3}}}
			}},
		{"aliases", "box: {low: &a -5, high: *a}\n", nil, func(d *doc) { d.Box = box{Low: -5, High: -5} }},
		{"overrides replace and add", "train:\n  steps: 5\n", []string{"train.steps=6", "box.high=7", "name= y "},
			func(d *doc) { d.Train.Steps, d.Box.High, d.Name = 6, 7, "y" }},
		{"later override wins", "", []string{"train.steps=1", "train.steps=2"}, func(d *doc) { d.Train.Steps = 2 }},
		{"override a whole section", "", []string{"box={low: -2}"}, func(d *doc) { d.Box.Low = -2 }},
		{"empty override keeps the default", "", []string{"train.steps="}, func(*doc) {}},
		{"flag override", "", []string{FlagOverride("n", "train.steps", "9")}, func(d *doc) { d.Train.Steps = 9 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := decode(c.text, c.overrides...)
			if err != nil {
				t.Fatal(err)
			}
			want := defaults()
			c.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n  %+v\nwant\n  %+v", got, want)
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	for _, text := range []string{"", "  \n", "\n\n"} {
		if _, err := NewDecoder("e.yaml").Parse([]byte(text)); err != ErrEmpty {
			t.Errorf("%q: %v, want ErrEmpty", text, err)
		}
	}
}

// The decoder remembers where each key came from: a line of the file, an
// override, or nothing.
func TestWhereKeysCameFrom(t *testing.T) {
	_, d, err := decode("name: x\ntrain:\n  steps: 5\n  sizes: [1]\nbox: {low: -2}\n",
		"box.low=-3", FlagOverride("rate", "train.rate", "0.1"), "on=true")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		key       string
		where     string
		inFile    bool
		given     bool
		overrider string
	}{
		{"name", "t.yaml:1", true, true, ""},
		{"train", "t.yaml:2", true, true, ""},
		{"train.steps", "t.yaml:3", true, true, ""},
		{"train.sizes[0]", "t.yaml:4", false, false, ""},
		{"train.grid", "t.yaml:2", false, false, ""},
		{"box.low", "-set box.low=-3", false, true, "-set box.low=-3"},
		{"box.high", "t.yaml:5", false, false, ""},
		{"train.rate", "-rate 0.1", false, true, "-rate 0.1"},
		{"on", "-set on=true", false, true, "-set on=true"},
		{"seed", "t.yaml", false, false, ""},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			if got := d.Where(c.key); got != c.where {
				t.Errorf("Where %q, want %q", got, c.where)
			}
			if got := d.InFile(c.key); got != c.inFile {
				t.Errorf("InFile %v, want %v", got, c.inFile)
			}
			if got := d.Given(c.key); got != c.given {
				t.Errorf("Given %v, want %v", got, c.given)
			}
			if got, ok := d.Overridden(c.key); got != c.overrider || ok != (c.overrider != "") {
				t.Errorf("Overridden %q %v, want %q", got, ok, c.overrider)
			}
		})
	}
	for _, c := range []struct {
		keys []string
		want bool
	}{
		{[]string{"box"}, true},
		{[]string{"name", "train"}, true},
		{[]string{"train.steps"}, false},
		{[]string{"bo"}, false},
		{nil, false},
	} {
		if got := d.OverriddenAny(c.keys...); got != c.want {
			t.Errorf("OverriddenAny(%q) = %v, want %v", c.keys, got, c.want)
		}
	}
	err = d.Errorf("train.steps", "must be\n  small, got %d", 5)
	if want := "strictyaml: t.yaml:3: train.steps: must be small, got 5"; err.Error() != want {
		t.Errorf("Errorf: %q, want %q", err, want)
	}
}

func TestExampleInTheOverrideError(t *testing.T) {
	d := NewDecoder("t.yaml")
	d.Example = "train.steps=8000"
	root, err := d.Parse([]byte("name: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = d.Override(root, "steps")
	if want := `strictyaml: -set "steps": want key=value with a dotted key, e.g. train.steps=8000`; err == nil || err.Error() != want {
		t.Errorf("%v, want %s", err, want)
	}
}

// A hook takes the values it knows before the decoder sees them.
func TestHook(t *testing.T) {
	var keys []string
	d := NewDecoder("h.yaml")
	d.Hook = func(n *yaml.Node, v reflect.Value, key string) bool {
		if n.Kind == yaml.ScalarNode && n.Value == "auto" && v.Kind() == reflect.Float64 {
			keys = append(keys, key)
			v.SetFloat(42)
			return true
		}
		return false
	}
	root, err := d.Parse([]byte("train: {rate: auto}\nbox: {high: auto}\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := defaults()
	if err := d.Decode(root, &out); err != nil {
		t.Fatal(err)
	}
	if out.Train.Rate != 42 || out.Box.High != 42 || !reflect.DeepEqual(keys, []string{"train.rate", "box.high"}) {
		t.Errorf("rate %v, high %v, hook saw %q", out.Train.Rate, out.Box.High, keys)
	}
	root, err = d.Parse([]byte("train: {steps: auto}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(root, &out); err == nil || !strings.Contains(err.Error(), `train.steps: expected an integer, got "auto"`) {
		t.Errorf("auto for an integer: %v", err)
	}
}
