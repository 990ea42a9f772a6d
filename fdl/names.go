package fdl

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// flowName is the rule for flow and execution names (reference §1.6).
var flowName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,127}$`)

// ValidName reports whether name is a valid flow or execution name: letters,
// digits, "_" and "-", starting with a letter or "_", 1 to 128 characters.
func ValidName(name string) bool { return flowName.MatchString(name) }

// namePrefix is what may begin a flow or execution name.
var namePrefix = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)

// ValidNamePrefix reports whether prefix holds only the characters of a
// name: letters, digits, "_" and "-". "" is a valid prefix.
func ValidNamePrefix(prefix string) bool { return namePrefix.MatchString(prefix) }

// maxStepName is the longest step name, the same as for flow names.
const maxStepName = 128

// checkStepName returns why name cannot name a step, or "". The managed
// service documents no rule; we reject only what breaks fnflow: an empty
// name, a name longer than flow names may be, "/" (it separates the parts of
// a step path) and white space or control characters (they make step paths,
// activity IDs and diagnostics ambiguous).
func checkStepName(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case utf8.RuneCountInString(name) > maxStepName:
		return fmt.Sprintf("is longer than %d characters", maxStepName)
	case strings.Contains(name, "/"):
		return fmt.Sprintf("%q contains \"/\", which separates the parts of a step path", name)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Sprintf("%q contains white space or control characters", name)
	case !utf8.ValidString(name):
		return "is not valid UTF-8"
	}
	return ""
}
