package schedules

import (
	"testing"

	"github.com/fnflow/fnflow/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
