#!/usr/bin/env bats
# Unit-level checks of common/ through the test-common multiplexer:
# strbuf, base64, RFC 3339 times and the YAML/JSON converter.

load test_helper/common

setup() {
	_common_setup
}

@test "strbuf: appends keep the buffer NUL-terminated" {
	run -0 "$TEST_COMMON" strbuf add hello addch , addf-int ' %05d' 42
	assert_output "len=12 overflow=0 refused=0 buf=[hello, 00042] nul=1"
}

@test "strbuf: a capped buffer refuses an append that would exceed the cap" {
	run -0 "$TEST_COMMON" strbuf cap 4 add abc add de
	assert_output "len=3 overflow=1 refused=1 buf=[abc] nul=1"
}

@test "strbuf: a capped buffer accepts an append that exactly reaches the cap" {
	run -0 "$TEST_COMMON" strbuf cap 5 add abc add de
	assert_output "len=5 overflow=0 refused=0 buf=[abcde] nul=1"
}

@test "strbuf: trim, setlen, reset and detach" {
	run -0 "$TEST_COMMON" strbuf add '  x y  ' trim
	assert_output "len=3 overflow=0 refused=0 buf=[x y] nul=1"
	run -0 "$TEST_COMMON" strbuf add abcdef setlen 2 addchars z 3
	assert_output "len=5 overflow=0 refused=0 buf=[abzzz] nul=1"
	run -0 "$TEST_COMMON" strbuf add abc detach add d
	assert_output - <<-'OUT'
	detached=[abc] len=3
	len=1 overflow=0 refused=0 buf=[d] nul=1
	OUT
	run -0 "$TEST_COMMON" strbuf add abc reset
	assert_output "len=0 overflow=0 refused=0 buf=[] nul=1"
}

@test "strbuf: a fresh or released buffer is an empty string" {
	run -0 "$TEST_COMMON" strbuf
	assert_output "len=0 overflow=0 refused=0 buf=[] nul=1"
	run -0 "$TEST_COMMON" strbuf add abc release
	assert_output "len=0 overflow=0 refused=0 buf=[] nul=1"
}

@test "strbuf: a long formatted append grows the buffer" {
	long=$(printf 'x%.0s' $(seq 1 300))
	run -0 "$TEST_COMMON" strbuf add "$long" addf-int '%d' 7
	assert_output "len=301 overflow=0 refused=0 buf=[${long}7] nul=1"
}

@test "strbuf: Go's %q quoting" {
	run -0 "$TEST_COMMON" strbuf goquote $'a"b\\c\n\t\r\a\x01\x7f \xc3\xa9 \xff \xc2\xa0 \xe2\x80\xa8'
	assert_output 'len=47 overflow=0 refused=0 buf=["a\"b\\c\n\t\r\a\x01\x7f é \xff \u00a0 \u2028"] nul=1'
}

@test "strbuf: URL query encoding and decoding, with and without plus for space" {
	run -0 "$TEST_COMMON" strbuf urlencode 'a b+c/~._-' add '|' urlencode-plus ' a&b=c'
	assert_output 'len=27 overflow=0 refused=0 buf=[a%20b%2Bc%2F~._-|+a%26b%3Dc] nul=1'
	run -0 "$TEST_COMMON" strbuf urldecode 'a+b%41%4%zz%2' add '|' urldecode-plus 'a+b%2bc%'
	assert_output 'len=18 overflow=0 refused=0 buf=[a+bA%4%zz%2|a b+c%] nul=1'
}

@test "base64: standard and URL-safe encodings" {
	run -0 "$TEST_COMMON" base64 encode 'hello?>'
	assert_output "aGVsbG8/Pg=="
	run -0 "$TEST_COMMON" base64 url 'hello?>'
	assert_output "aGVsbG8_Pg"
	run -0 "$TEST_COMMON" base64 encode 'ab'
	assert_output "YWI="
	run -0 "$TEST_COMMON" base64 encode ''
	assert_output ""
}

@test "base64: decoding accepts line breaks, padding or none, and both alphabets" {
	run -0 "$TEST_COMMON" base64 decode $'aGVs\nbG8/Pg=='
	assert_output "hello?>"
	run -0 "$TEST_COMMON" base64 decode 'aGVsbG8_Pg'
	assert_output "hello?>"
}

@test "base64: illegal data is reported at its byte offset, as Go does" {
	run -1 "$TEST_COMMON" base64 decode 'aGV$sbG8'
	assert_output "illegal base64 data at input byte 3"
	run -1 "$TEST_COMMON" base64 decode 'YWI=YQ'
	assert_output "illegal base64 data at input byte 4"
	run -1 "$TEST_COMMON" base64 decode 'YWJjZ'
	assert_output "illegal base64 data at input byte 5"
}

@test "rfc3339: offsets and fractions; lower-case t and z and a leap second are RFC 3339" {
	run -0 "$TEST_COMMON" rfc3339 2024-05-01T12:30:00.25+02:30 2024-05-01t05:00:00-05:00 \
		2024-05-01T09:59:60z 2024-02-29T00:00:00Z 2023-02-29T00:00:00Z 2024-05-01T10:00:00,5Z \
		2024-05-01T10:00:00. 2024-05-01
	assert_output - <<-'OUT'
	2024-05-01T12:30:00.25+02:30 1714557600
	2024-05-01t05:00:00-05:00 1714557600
	2024-05-01T09:59:60z 1714557600
	2024-02-29T00:00:00Z 1709164800
	2023-02-29T00:00:00Z bad
	2024-05-01T10:00:00,5Z bad
	2024-05-01T10:00:00. bad
	2024-05-01 bad
	OUT
}

@test "rfc3339: the go flavour accepts and refuses what Go's time.Parse does" {
	run -0 "$TEST_COMMON" rfc3339 go 2024-05-01T10:00:00Z 2024-05-01t10:00:00z 2024-05-01T10:00:60Z \
		2024-05-01T10:00:00,5Z 2024-05-01T9:00:00-01:00 2024-05-02T10:00:00+24:00 \
		2024-05-01T10:00:00+24:61 2024-04-31T10:00:00Z 'soon'
	assert_output - <<-'OUT'
	2024-05-01T10:00:00Z 1714557600
	2024-05-01t10:00:00z bad
	2024-05-01T10:00:60Z bad
	2024-05-01T10:00:00,5Z 1714557600
	2024-05-01T9:00:00-01:00 1714557600
	2024-05-02T10:00:00+24:00 1714557600
	2024-05-01T10:00:00+24:61 bad
	2024-04-31T10:00:00Z bad
	soon bad
	OUT
}

@test "yaml: plain scalars resolve as sigs.k8s.io/yaml (YAML 1.1) does" {
	run -0 "$TEST_COMMON" yaml to-json <<-'IN'
	a: 1
	b: yes
	c: "yes"
	d: 0777
	e: 1.5
	f: ~
	g: [1, two, off, 0x1F, -3, 1e3]
	h: 2020-01-01
	i: 'single'
	j: !!str 80
	k:
	l: .inf
	IN
	assert_output '{"a":1,"b":true,"c":"yes","d":511,"e":1.5,"f":null,"g":[1,"two",false,31,-3,1000.0],"h":"2020-01-01","i":"single","j":"80","k":null,"l":".inf"}'
}

@test "yaml: anchors, aliases and merge keys" {
	run -0 "$TEST_COMMON" yaml to-json <<-'IN'
	base: &b {k: v, x: 1}
	copy: *b
	merged:
	  <<: *b
	  x: 2
	IN
	assert_output '{"base":{"k":"v","x":1},"copy":{"k":"v","x":1},"merged":{"k":"v","x":2}}'
}

@test "yaml: multi-document streams skip empty documents" {
	run -0 "$TEST_COMMON" yaml to-json <<-'IN'
	---
	a: 1
	---
	---
	# only a comment
	---
	b: 2
	IN
	assert_output $'{"a":1}\n{"b":2}'
}

@test "yaml: JSON input, including a stream of several values" {
	run -0 "$TEST_COMMON" yaml to-json <<<'{"a": [1, 2]} {"b": null}'
	assert_output $'{"a":[1,2]}\n{"b":null}'
}

@test "yaml: syntax errors carry Go's line-numbered message" {
	run -2 --separate-stderr "$TEST_COMMON" yaml to-json <<<'a: b: c'
	assert_equal "$stderr" "yaml: mapping values are not allowed in this context"
	run -2 --separate-stderr "$TEST_COMMON" yaml to-json <<<$'a: 1\nb: [1, 2\nc: 3'
	assert_equal "$stderr" "yaml: line 2: did not find expected ',' or ']'"
	run -2 --separate-stderr "$TEST_COMMON" yaml to-json <<<'{"a": }'
	assert_equal "$stderr" "json: line 1 column 7: unexpected token near '}'"
}

@test "yaml: a single document parse of empty input is an empty object" {
	run -0 "$TEST_COMMON" yaml one </dev/null
	assert_output '{}'
}

@test "yaml: emitting follows kubectl's layout and round-trips" {
	input=$'kind: ConfigMap\nmetadata:\n  name: istio\n  labels: {a: "true", b: "80"}\ndata:\n  mesh: |\n    rootNamespace: istio-system\n    trustDomain: td\n  empty: ""\nlist:\n- a: 1\n  b: [x, "y"]\n- [1, 2]\n- {}\n- "- dash"\n"8080": port\n'
	run -0 "$TEST_COMMON" yaml to-yaml <<<"$input"
	assert_output - <<-'OUT'
	"8080": port
	data:
	  empty: ""
	  mesh: |
	    rootNamespace: istio-system
	    trustDomain: td
	kind: ConfigMap
	list:
	- a: 1
	  b:
	  - x
	  - "y"
	- - 1
	  - 2
	- {}
	- '- dash'
	metadata:
	  labels:
	    a: "true"
	    b: "80"
	  name: istio
	OUT
	first=$("$TEST_COMMON" yaml to-json <<<"$input")
	second=$("$TEST_COMMON" yaml to-yaml <<<"$input" | "$TEST_COMMON" yaml to-json)
	assert_equal "$second" "$first"
}

@test "yaml: emitting is go-yaml v2's: quoting, literal blocks, folding, key order, numbers, lists" {
	input=$(cat <<-'IN'
	{"a10": 1, "a2": 2, "A": 3, "_x": 4, "b": [1.5, 1e21, 1e-7, 0.1, 100000000],
	 "s": ["true", "1", "1.5", "~", "null", "2006-01-02", "1:20", "", "yes", "0x1F", "a: b", "# c", "x #y",
	       "plain text", "@at", "'quoted'", "tab\there"],
	 "m": "line1\nline2", "m2": "line1\nline2\n", "m3": "line1\n\n", "m4": " leading\nx",
	 "long": "the quick brown fox jumps over the lazy dog and then the quick brown fox jumps over it again",
	 "e": {}, "l": [], "n": null, "t": true}
	IN
	)
	run -0 "$TEST_COMMON" yaml to-yaml <<<"$input"
	assert_output - <<-'OUT'
	_x: 4
	A: 3
	a2: 2
	a10: 1
	b:
	- 1.5
	- 1e+21
	- 1e-07
	- 0.1
	- 100000000
	e: {}
	l: []
	long: the quick brown fox jumps over the lazy dog and then the quick brown fox jumps
	  over it again
	m: |-
	  line1
	  line2
	m2: |
	  line1
	  line2
	m3: |+
	  line1

	m4: |2-
	   leading
	  x
	"n": null
	s:
	- "true"
	- "1"
	- "1.5"
	- "~"
	- "null"
	- "2006-01-02"
	- "1:20"
	- ""
	- "yes"
	- "0x1F"
	- 'a: b'
	- '# c'
	- 'x #y'
	- plain text
	- '@at'
	- '''quoted'''
	- "tab\there"
	t: true
	OUT
	first=$("$TEST_COMMON" yaml to-json <<<"$input")
	second=$("$TEST_COMMON" yaml to-yaml <<<"$input" | "$TEST_COMMON" yaml to-json)
	assert_equal "$second" "$first"
	run -0 "$TEST_COMMON" yaml to-yaml <<<'[1, "two", {"k": "v"}, [3], []]'
	assert_output $'- 1\n- two\n- k: v\n- - 3\n- []'
}
