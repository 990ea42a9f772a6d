package fdl

import (
	"fmt"
	"slices"
	"strings"
)

// isParamPath reports whether a serviceParams string is read from the step
// input: "$" (the whole input) or a path such as "$.key" (reference §3.1).
// Any other string is a constant.
func isParamPath(s string) bool {
	return s == RootStep || strings.HasPrefix(s, "$.") || strings.HasPrefix(s, "$[")
}

// EvalServiceParams returns the task's serviceParams with every top-level
// string that is "$" or a $ path replaced by what it reads from input, the
// step's input after its inputMappings. Values inside nested objects and
// arrays are constants, as in mappings. Whether "$" is sent as an object or
// serialised to a JSON string depends on the parameter and is up to the
// integration (reference Q16). The result shares nothing with the flow or
// input.
func (t *TaskStep) EvalServiceParams(input any) (map[string]any, error) {
	if t.ServiceParams == nil {
		return nil, nil
	}
	out := make(map[string]any, len(t.ServiceParams))
	for _, k := range sortedKeys(t.ServiceParams) { // sorted: the first error must not depend on map order
		v := t.ServiceParams[k]
		s, ok := v.(string)
		if !ok || !isParamPath(s) {
			out[k] = deepCopy(v)
			continue
		}
		path, err := ParsePath(s)
		if err != nil {
			return nil, fmt.Errorf("serviceParams.%s: %w", k, err)
		}
		got, err := path.Get(input)
		if err != nil {
			return nil, fmt.Errorf("serviceParams.%s: %w", k, err)
		}
		out[k] = deepCopy(got)
	}
	return out, nil
}

// sortedKeys returns the keys of m in order, so that diagnostics about a map
// come out the same on every run.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
