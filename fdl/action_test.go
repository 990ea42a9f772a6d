package fdl

import "testing"

func TestValidAction(t *testing.T) {
	for action, want := range map[string]bool{
		"ocr:RecognizeIdentityCard": true,
		"fnf:StartExecution":        true,
		"cloud-api:Do2":             true,
		"ocr":                       false,
		"ocr:":                      false,
		":RecognizeIdentityCard":    false,
		"ocr:Recognize:Card":        false,
		"acs:fc:::services/s":       false,
	} {
		if got := ValidAction(action); got != want {
			t.Errorf("ValidAction(%q) = %v, want %v", action, got, want)
		}
	}
}

// An action's errors carry its product, as the managed service names them.
func TestActionError(t *testing.T) {
	if got := ActionError("ocr:RecognizeIdentityCard", "InvalidImage.Content"); got != "ocr.InvalidImage.Content" {
		t.Errorf("got %q", got)
	}
	if got := ActionError("fnf:StartExecution", ActionInternalError); got != "fnf.InternalError" {
		t.Errorf("got %q", got)
	}
}
