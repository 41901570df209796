package datasets

import "fmt"

// Image is the shape of the images of a data set: height, width and
// channels (1 for grayscale, 3 for RGB). An image of this shape is
// Size() values, row-major: row by row, each row pixel by pixel, each pixel
// channel by channel, as in a NumPy array of shape (H, W, C).
type Image struct{ H, W, C int }

// Size is the number of values of one image, H*W*C.
func (s Image) Size() int { return s.H * s.W * s.C }

// String writes the shape as height x width x channels, e.g. "28x28x1".
func (s Image) String() string { return fmt.Sprintf("%dx%dx%d", s.H, s.W, s.C) }

// Describe says what the images are, height x width then the colours:
// "28x28 grayscale", "32x32 RGB", or "32x32, 4 channels".
func (s Image) Describe() string {
	switch s.C {
	case 1:
		return fmt.Sprintf("%dx%d grayscale", s.H, s.W)
	case 3:
		return fmt.Sprintf("%dx%d RGB", s.H, s.W)
	}
	return fmt.Sprintf("%dx%d, %d channels", s.H, s.W, s.C)
}
