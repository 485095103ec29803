// Package cmd holds zksim's commands: zksim (the harness), zkserver (the real server)
// and zkcli (the interactive client).
package cmd
