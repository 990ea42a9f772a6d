package mns

import "testing"

func TestRouteNamesTheTableEntry(t *testing.T) {
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/queues", "GET /queues"},
		{"POST", "/queues/jobs/messages", "POST /queues/:queue/messages"},
		{"PUT", "/topics/news/subscriptions/mine", "PUT /topics/:topic/subscriptions/:subscription"},
		{"GET", CertificatePath, "GET " + CertificatePath},
		{"PATCH", "/queues/jobs", ""},
		{"GET", "/queues//messages", ""},
		{"GET", "/queues/jobs/messages/extra", ""},
	} {
		if got := Route(c.method, c.path); got != c.want {
			t.Errorf("Route(%s, %s) = %q, want %q", c.method, c.path, got, c.want)
		}
	}
}
