// Command shotcheck judges a headless browser's rendering of a report: the screenshot
// must not be blank, the dumped DOM must show the page's script ran without an error,
// and the browser's log must hold no console error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"strings"
)

// minInk is the share of the screenshot that must be drawn (not near-white).
const minInk = 0.05

func main() {
	shot := flag.String("png", "", "the screenshot")
	dom := flag.String("dom", "", "the DOM the browser dumped")
	log := flag.String("log", "", "the browser's stderr log")
	flag.Parse()
	if err := check(*shot, *dom, *log); err != nil {
		fmt.Fprintln(os.Stderr, "shotcheck:", err)
		os.Exit(1)
	}
}

func check(shot, dom, log string) error {
	f, err := os.Open(shot)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", shot, err)
	}
	ink := inkShare(img)
	fmt.Printf("shotcheck: %s %dx%d, %.1f%% drawn\n", shot, img.Bounds().Dx(), img.Bounds().Dy(), 100*ink)
	if ink < minInk {
		return fmt.Errorf("%s is blank: %.2f%% drawn, want at least %.0f%%", shot, 100*ink, 100*minInk)
	}
	if dom != "" {
		text, err := os.ReadFile(dom)
		if err != nil {
			return err
		}
		page := string(text)
		if !strings.Contains(page, `data-ready="1"`) {
			return errors.New("the page's script did not finish (no data-ready on body)")
		}
		if i := strings.Index(page, "data-js-error="); i >= 0 {
			return fmt.Errorf("the page reported a script error: %.200s", page[i:])
		}
		if !strings.Contains(page, `id="violation-v0"`) {
			return errors.New("the rendered page has no violation marker")
		}
	}
	if log != "" {
		text, err := os.ReadFile(log)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(text), "\n") {
			if strings.Contains(line, "Uncaught") || strings.Contains(line, "CONSOLE") {
				return fmt.Errorf("console error: %s", line)
			}
		}
	}
	return nil
}

// inkShare is the share of pixels that are not near-white.
func inkShare(img image.Image) float64 {
	b := img.Bounds()
	if b.Empty() {
		return 0
	}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(b.Dx()*b.Dy())
}
