package sim

import (
	"context"
	"io"
	"log/slog"
)

// NewLogger returns a text logger whose records carry the world's true time as vt=
// (nanoseconds) instead of the wall-clock time, so a run's log is the same for the
// same seed and can be diffed.
func (w *World) NewLogger(out io.Writer, level slog.Leveler) *slog.Logger {
	inner := slog.NewTextHandler(out, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})
	return slog.New(&vtHandler{w: w, inner: inner})
}

// vtHandler adds the virtual time to every record.
type vtHandler struct {
	w     *World
	inner slog.Handler
}

func (h *vtHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *vtHandler) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(slog.Int64("vt", int64(h.w.now)))
	return h.inner.Handle(ctx, r)
}

func (h *vtHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &vtHandler{w: h.w, inner: h.inner.WithAttrs(as)}
}

func (h *vtHandler) WithGroup(name string) slog.Handler {
	return &vtHandler{w: h.w, inner: h.inner.WithGroup(name)}
}
