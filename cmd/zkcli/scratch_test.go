package main

import "testing"

func TestScratch(t *testing.T) {
	addr := startServer(t)
	out, errs, err := runScript(t, addr, "whoami\nconfig\nconfig -s\ncreate -e /e1\ncreate -e /f1\ngetEphemerals /e\nls -w /\nremovewatches / -c\nremovewatches / -d\nconnect "+addr+"\nls /\nget -s /zookeeper\ngetAcl /zookeeper\ncreate /zookeeper/x\ndelete /zookeeper\nset /zookeeper/quota x\ncreate -s /seq/\ncreate /a\ncreate -s /a/\nls /a\nclose\nconnect\nls /\nquit\nls /")
	t.Logf("out:\n%s\nerr:\n%s\n%v", out, errs, err)
}
