package mongodb
import ("testing";"os")
func TestMain(m *testing.M){ c:=m.Run(); println("MAX ATTEMPTS", DebugMax); os.Exit(c)}
