package reports

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// File names a run report writes into its directory.
const (
	HTMLFile     = "report.html"
	MarkdownFile = "report.md"
)

// VisualizationLink turns the path Porcupine's HTML was written to into a link
// relative to dir, or "" when there is none.
func VisualizationLink(dir, path string) string {
	if path == "" {
		return ""
	}
	if rel, err := filepath.Rel(dir, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(path)
}

// WriteRun writes the run's HTML report and Markdown summary into dir.
func WriteRun(dir string, run Run) error {
	if run.Visualization == "" {
		run.Visualization = VisualizationLink(dir, run.Result.Report.Visualization)
	}
	var page, summary bytes.Buffer
	if err := RenderHTML(&page, run); err != nil {
		return err
	}
	if err := RenderMarkdown(&summary, run); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, HTMLFile), page.Bytes(), 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, MarkdownFile), summary.Bytes(), 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
