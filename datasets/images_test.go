package datasets

import "testing"

func TestImage(t *testing.T) {
	cases := []struct {
		name             string
		s                Image
		size             int
		str, description string
	}{
		{"MNIST", Image{H: 28, W: 28, C: 1}, 784, "28x28x1", "28x28 grayscale"},
		{"CIFAR-10", Image{H: 32, W: 32, C: 3}, 3072, "32x32x3", "32x32 RGB"},
		{"height before width", Image{H: 30, W: 40, C: 3}, 3600, "30x40x3", "30x40 RGB"},
		{"RGBA", Image{H: 2, W: 3, C: 4}, 24, "2x3x4", "2x3, 4 channels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.Size(); got != c.size {
				t.Errorf("Size() = %d, want %d", got, c.size)
			}
			if got := c.s.String(); got != c.str {
				t.Errorf("String() = %q, want %q", got, c.str)
			}
			if got := c.s.Describe(); got != c.description {
				t.Errorf("Describe() = %q, want %q", got, c.description)
			}
		})
	}
}
