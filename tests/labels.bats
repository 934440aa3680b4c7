#!/usr/bin/env bats
# Label selectors: the matchLabels subset test, metav1.LabelSelector and
# kubectl's -l string syntax, with apimachinery's error texts.

load test_helper/common

setup() {
	_common_setup
}

# The detail texts apimachinery appends to an invalid key or value.
NAME_PART="name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
LABEL_VALUE="a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

@test "labels contain: every wanted pair must be present with the same value" {
	run -0 "$TEST_COMMON" labels contain '{"app":"web","version":"v1"}' '{"app":"web"}'
	assert_output true
	run -0 "$TEST_COMMON" labels contain '{"app":"web"}' '{"app":"web","version":"v1"}'
	assert_output false
	run -0 "$TEST_COMMON" labels contain '{"app":"web"}' '{"app":"api"}'
	assert_output false
}

@test "labels contain: an empty or absent want matches everything, even no labels" {
	run -0 "$TEST_COMMON" labels contain '{"app":"web"}' '{}'
	assert_output true
	run -0 "$TEST_COMMON" labels contain null null
	assert_output true
	run -0 "$TEST_COMMON" labels contain null '{"app":"web"}'
	assert_output false
}

@test "labels contain: values are compared as strings, never coerced" {
	run -0 "$TEST_COMMON" labels contain '{"port":"80"}' '{"port":80}'
	assert_output false
}

@test "selector: matchLabels is a subset test" {
	run -0 "$TEST_COMMON" labels selector '{"matchLabels":{"app":"web"}}' '{"app":"web","tier":"fe"}'
	assert_output true
	run -0 "$TEST_COMMON" labels selector '{"matchLabels":{"app":"web"}}' '{"tier":"fe"}'
	assert_output false
}

@test "selector: an empty selector matches everything, a missing one nothing" {
	run -0 "$TEST_COMMON" labels selector '{}' '{"app":"web"}'
	assert_output true
	run -0 "$TEST_COMMON" labels selector '{"matchLabels":{},"matchExpressions":[]}' '{}'
	assert_output true
	run -0 "$TEST_COMMON" labels selector null '{"app":"web"}'
	assert_output false
}

@test "selector: In, NotIn, Exists and DoesNotExist" {
	local labels='{"app":"web","tier":"fe"}'
	run -0 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"app","operator":"In","values":["api","web"]}]}' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"app","operator":"In","values":["api"]}]}' "$labels"
	assert_output false
	run -0 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"app","operator":"NotIn","values":["api"]}]}' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"zone","operator":"NotIn","values":["a"]}]}' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"tier","operator":"Exists"}]}' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]}' "$labels"
	assert_output false
	run -0 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"zone","operator":"DoesNotExist"}]}' "$labels"
	assert_output true
}

@test "selector: matchLabels and every expression must all hold" {
	local sel='{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["fe"]},{"key":"canary","operator":"DoesNotExist"}]}'
	run -0 "$TEST_COMMON" labels selector "$sel" '{"app":"web","tier":"fe"}'
	assert_output true
	run -0 "$TEST_COMMON" labels selector "$sel" '{"app":"web","tier":"fe","canary":"1"}'
	assert_output false
	run -0 "$TEST_COMMON" labels selector "$sel" '{"app":"api","tier":"fe"}'
	assert_output false
}

@test "selector: an unknown operator is an error" {
	run -2 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"app","operator":"in","values":["x"]}]}' '{}'
	assert_output '"in" is not a valid label selector operator'
}

@test "selector: value-count errors are worded as apimachinery's field errors" {
	run -2 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"app","operator":"Exists","values":["x"]}]}' '{}'
	assert_output 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist'
	run -2 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"app","operator":"In"}]}' '{}'
	assert_output "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
	run -2 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"app","operator":"NotIn","values":[]}]}' '{}'
	assert_output "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
}

@test "selector: invalid keys and values are errors, even when another part would not match" {
	run -2 "$TEST_COMMON" labels selector '{"matchLabels":{"-app":"web"}}' '{}'
	assert_output "key: Invalid value: \"-app\": $NAME_PART"
	run -2 "$TEST_COMMON" labels selector '{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["a b","ok"]}]}' '{}'
	assert_output "values[0][tier]: Invalid value: \"a b\": $LABEL_VALUE"
}

@test "selector: several errors in one requirement print as a list" {
	run -2 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"app","operator":"In","values":["-a","-b"]}]}' '{}'
	assert_output "[values[0][app]: Invalid value: \"-a\": $LABEL_VALUE, values[1][app]: Invalid value: \"-b\": $LABEL_VALUE]"
}

@test "selector: a selector of the wrong shape is an error" {
	run -2 "$TEST_COMMON" labels selector '"app=web"' '{}'
	assert_output 'invalid label selector: expected an object with matchLabels or matchExpressions'
	run -2 "$TEST_COMMON" labels selector '{"matchLabels":{"app":1}}' '{}'
	assert_output 'invalid label selector: matchLabels must be a map of strings'
	run -2 "$TEST_COMMON" labels selector '{"matchExpressions":{"key":"a"}}' '{}'
	assert_output 'invalid label selector: matchExpressions must be a list'
	run -2 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"a"}]}' '{}'
	assert_output 'invalid label selector: a match expression needs a key and an operator'
	run -2 "$TEST_COMMON" labels selector '{"matchExpressions":[{"key":"a","operator":"In","values":[1]}]}' '{}'
	assert_output 'invalid label selector: values must be a list of strings'
}

@test "query: equality forms =, == and !=" {
	local labels='{"app":"web","tier":"fe"}'
	run -0 "$TEST_COMMON" labels query 'app=web' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels query 'app==web,tier=fe' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels query 'app!=web' "$labels"
	assert_output false
	run -0 "$TEST_COMMON" labels query 'zone!=a' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels query 'app=' "$labels"
	assert_output false
	run -0 "$TEST_COMMON" labels query 'app=' '{"app":""}'
	assert_output true
}

@test "query: set forms in and notin, with in and notin usable as values" {
	local labels='{"app":"web","mode":"in"}'
	run -0 "$TEST_COMMON" labels query 'app in (api, web)' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels query 'app notin (api,web)' "$labels"
	assert_output false
	run -0 "$TEST_COMMON" labels query 'zone notin (a)' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels query 'mode in (in,notin)' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels query 'app in (,x)' '{"app":""}'
	assert_output true
}

@test "query: existence forms key and !key" {
	local labels='{"app":"web"}'
	run -0 "$TEST_COMMON" labels query 'app' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels query '!app' "$labels"
	assert_output false
	run -0 "$TEST_COMMON" labels query 'app,!canary' "$labels"
	assert_output true
	run -0 "$TEST_COMMON" labels query 'example.com/team' '{"example.com/team":"a"}'
	assert_output true
}

@test "query: gt and lt compare integers; a non-integer label never matches" {
	run -0 "$TEST_COMMON" labels query 'replicas>2' '{"replicas":"3"}'
	assert_output true
	run -0 "$TEST_COMMON" labels query 'replicas<2' '{"replicas":"3"}'
	assert_output false
	run -0 "$TEST_COMMON" labels query 'replicas>1' '{"replicas":"x"}'
	assert_output false
}

@test "query: an empty selector matches everything" {
	run -0 "$TEST_COMMON" labels query '' '{}'
	assert_output true
	run -0 "$TEST_COMMON" labels query '  ' '{"a":"b"}'
	assert_output true
}

@test "query: syntax errors read as kubectl's" {
	run -2 "$TEST_COMMON" labels query 'app in' '{}'
	assert_output "the provided selector \"app in\" is not valid: unable to parse requirement: found '' expected: '('"
	run -2 "$TEST_COMMON" labels query 'app in (a' '{}'
	assert_output "the provided selector \"app in (a\" is not valid: unable to parse requirement: found '', expected: ',' or ')'"
	run -2 "$TEST_COMMON" labels query 'app,' '{}'
	assert_output "the provided selector \"app,\" is not valid: found '', expected: identifier after ','"
	run -2 "$TEST_COMMON" labels query 'a=b c' '{}'
	assert_output "the provided selector \"a=b c\" is not valid: found 'c', expected: ',' or 'end of string'"
	run -2 "$TEST_COMMON" labels query 'a!' '{}'
	assert_output "the provided selector \"a!\" is not valid: unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"
	run -2 "$TEST_COMMON" labels query '=a' '{}'
	assert_output "the provided selector \"=a\" is not valid: found '=', expected: !, identifier, or 'end of string'"
	run -2 "$TEST_COMMON" labels query 'a notin b' '{}'
	assert_output "the provided selector \"a notin b\" is not valid: unable to parse requirement: found 'b' expected: '('"
}

@test "query: invalid keys and values read as kubectl's" {
	run -2 "$TEST_COMMON" labels query '-a' '{}'
	assert_output "the provided selector \"-a\" is not valid: unable to parse requirement: <nil>: Invalid value: \"-a\": $NAME_PART"
	run -2 "$TEST_COMMON" labels query '/a' '{}'
	assert_output 'the provided selector "/a" is not valid: unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'
	run -2 "$TEST_COMMON" labels query 'a/' '{}'
	assert_output "the provided selector \"a/\" is not valid: unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be non-empty; $NAME_PART"
	run -2 "$TEST_COMMON" labels query 'A.b/c' '{}'
	assert_output "the provided selector \"A.b/c\" is not valid: unable to parse requirement: <nil>: Invalid value: \"A.b/c\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	run -2 "$TEST_COMMON" labels query 'a=-b' '{}'
	assert_output "the provided selector \"a=-b\" is not valid: unable to parse requirement: values[0][a]: Invalid value: \"-b\": $LABEL_VALUE"
	run -2 "$TEST_COMMON" labels query 'a>x' '{}'
	assert_output "the provided selector \"a>x\" is not valid: unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"
}

@test "query: values are sorted before validation, as kubectl reports them" {
	run -2 "$TEST_COMMON" labels query 'a in (x,-z,-y)' '{}'
	assert_output "the provided selector \"a in (x,-z,-y)\" is not valid: unable to parse requirement: [values[0][a]: Invalid value: \"-y\": $LABEL_VALUE, values[1][a]: Invalid value: \"-z\": $LABEL_VALUE]"
}

@test "query: an over-long key or value is refused" {
	local long=abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd
	run -2 "$TEST_COMMON" labels query "$long=x" '{}'
	assert_output "the provided selector \"$long=x\" is not valid: unable to parse requirement: <nil>: Invalid value: \"$long\": name part must be no more than 63 characters"
	run -2 "$TEST_COMMON" labels query "a=$long" '{}'
	assert_output "the provided selector \"a=$long\" is not valid: unable to parse requirement: values[0][a]: Invalid value: \"$long\": must be no more than 63 characters"
}
