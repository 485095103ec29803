# zksim build targets. `make test` is what CI runs.
GO ?= go
FUZZTIME ?= 60s
# Whole-scenario fuzz inputs take ~0.1 s each; the default 60 s minimisation per new
# input would eat a short fuzz run.
FUZZMINIMIZE ?= 10x

.PHONY: test test-short chaos chaos-smoke fuzz fuzz-smoke bench lint report-check report-check-if-chromium

test: lint
	$(GO) test -count=1 ./...
	$(MAKE) chaos-smoke
	$(MAKE) fuzz-smoke
	$(MAKE) report-check-if-chromium

# Every scenario on two seeds: the short chaos sweep CI runs.
chaos-smoke:
	$(GO) run ./cmd/zksim sweep --scenario all --seeds 1..2

# A quick pass without the slower simulations.
test-short:
	$(GO) test -short -count=1 ./...

# Long chaos sweeps for nightly runs.
chaos:
	$(GO) run ./cmd/zksim sweep --scenario all --seeds 1..1000

# Coverage-guided fuzzing of every fuzz target, FUZZTIME each. Go 1.26's fuzz
# coordinator can end a timed run with a bare "context deadline exceeded" and no failing
# input (go.dev/issue/75804, fixed in Go 1.27); that is reported and not counted, while
# any run that wrote a failing input, or failed otherwise, stops the target. Each
# target's output streams as it runs (and is kept to tell the two apart).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target"; \
	    log=$$(mktemp); \
	    { $(GO) test $$pkg -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) 2>&1; echo $$? >$$log.rc; } | tee $$log; \
	    rc=$$(cat $$log.rc); out=$$(cat $$log); rm -f $$log $$log.rc; \
	    if [ $$rc -ne 0 ]; then \
	      if echo "$$out" | grep -q 'Failing input written' || ! echo "$$out" | grep -q 'context deadline exceeded'; then exit 1; fi; \
	      echo "fuzz: $$target: Go's fuzztime race (go.dev/issue/75804), no failing input; not a failure"; \
	    fi; \
	  done; \
	done

# The short fuzz smoke CI runs.
fuzz-smoke:
	$(MAKE) fuzz FUZZTIME=3s

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# Render the report of a failing run (a real run with a catalogued protocol bug) in
# headless Chromium; check the screenshot is not blank and the page ran without console errors.
REPORT_DEMO ?= -scenario leader-isolation -seed 1 -bug ZOOKEEPER-1154
CHROMIUM ?= chromium
CHROMIUM_FLAGS = --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --window-size=1400,900
# make test runs the browser check where Chromium is installed (.ci/run installs it when
# apt-get can do so within five minutes) and says so where it is not.
report-check-if-chromium:
	@if command -v $(CHROMIUM) >/dev/null; then $(MAKE) report-check; \
	else echo "report-check: skipped, no $(CHROMIUM) here (make report-check installs it)"; fi

report-check:
	@command -v $(CHROMIUM) >/dev/null || { apt-get update && apt-get install -y chromium; }
	@set -e; dir=$$(mktemp -d); \
	$(GO) run ./reports/internal/reportdemo -out $$dir/run $(REPORT_DEMO); \
	$(CHROMIUM) $(CHROMIUM_FLAGS) --user-data-dir=$$(mktemp -d) --screenshot=$$dir/shot.png \
		file://$$dir/run/report.html 2>$$dir/shot.log; \
	$(CHROMIUM) $(CHROMIUM_FLAGS) --user-data-dir=$$(mktemp -d) --enable-logging=stderr --v=0 --dump-dom \
		file://$$dir/run/report.html#v0 >$$dir/dom.html 2>$$dir/dom.log; \
	$(GO) run ./reports/internal/shotcheck -png $$dir/shot.png -dom $$dir/dom.html -log $$dir/dom.log; \
	echo "report-check: ok ($$dir)"

# Interoperability with the real Apache ZooKeeper clients (Java zkCli, the C
# client, kazoo) and the comparison benchmark. Both need Debian's zookeeper,
# zookeeper-bin and python3-kazoo, installed here when missing.
.PHONY: interop bench-server interop-deps
INTEROP_PACKAGES = zookeeper zookeeper-bin python3-kazoo
BENCH_FLAGS ?=

interop-deps:
	@dpkg -s $(INTEROP_PACKAGES) >/dev/null 2>&1 || { \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y $(INTEROP_PACKAGES); }

interop: interop-deps
	$(GO) test -count=1 -timeout 15m -tags interop ./server/interop/ -v

# create/setData/getData with 1, 16 and 64 clients against zkserver and Apache
# ZooKeeper 3.8 in the same run; prints a markdown table of ratios.
bench-server: interop-deps
	$(GO) run -tags interop ./server/interop/zkbench $(BENCH_FLAGS)

# Jepsen mode: kill, pause and partition scenarios against real zkserver processes on
# loopback, with 3- and 5-node ensembles; stops at the first violation.
.PHONY: jepsen
JEPSEN_SCENARIOS ?= kill-restart pauses leader-isolation random-halves majorities-ring bridge one-way
JEPSEN_FLAGS ?= --duration 30s --quiesce 10s --seed 1
JEPSEN_FAILURE_DIR ?= /tmp/zksim-jepsen-failure
jepsen:
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) build -o $$dir/zksim ./cmd/zksim; $(GO) build -o $$dir/zkserver ./cmd/zkserver; \
	for n in 3 5; do for s in $(JEPSEN_SCENARIOS); do \
	  echo "== jepsen $$s nodes=$$n"; \
	  if $$dir/zksim jepsen --zkserver $$dir/zkserver --scenario $$s --nodes $$n $(JEPSEN_FLAGS) --report $$dir/report >$$dir/out 2>&1; \
	  then grep -E '^(skipped|verdict):' $$dir/out; else cat $$dir/out; rm -rf $(JEPSEN_FAILURE_DIR); cp -r $$dir/report $(JEPSEN_FAILURE_DIR); echo "report: $(JEPSEN_FAILURE_DIR)"; exit 1; fi; \
	done; done

# Jepsen mode with catalogued bugs switched on in every zkserver (--test-only-bugs):
# each BUG:SCENARIO[:SCHEDULE-FILE] of JEPSEN_BUGS (SCENARIO a name or a .json file) over JEPSEN_BUG_SEEDS, as a Markdown
# table (docs/jepsen-bugs.md). "none" runs the correct server as a control; the target
# fails only when a control run fails, since a real run is not bit-reproducible.
.PHONY: jepsen-bugs
JEPSEN_ONEWAY = one-way:jepsen/testdata/leader-oneway.sched
JEPSEN_SYNC = jepsen/testdata/sync-points.json
JEPSEN_SNAPDUE = $(JEPSEN_SYNC):jepsen/testdata/snap-due.sched
JEPSEN_SNAPKILLS = $(JEPSEN_SYNC):jepsen/testdata/snap-due-kills.sched
JEPSEN_TRUNCCUT = one-way:jepsen/testdata/trunc-cut.sched
JEPSEN_DIFFHOLE = one-way:jepsen/testdata/diff-hole.sched
JEPSEN_SLOWSYNC = jepsen/testdata/slow-sync.json:jepsen/testdata/slow-sync.sched
JEPSEN_BUGS ?= none:leader-isolation none:kill-restart none:$(JEPSEN_SYNC) none:$(JEPSEN_SNAPDUE) none:$(JEPSEN_SNAPKILLS) none:$(JEPSEN_ONEWAY) none:$(JEPSEN_TRUNCCUT) \
	none:$(JEPSEN_DIFFHOLE) none:$(JEPSEN_SLOWSYNC) \
	BROKEN-leader-commit-without-quorum:leader-isolation BROKEN-ack-before-fsync:kill-restart \
	ZOOKEEPER-1154:leader-isolation ZOOKEEPER-1154:$(JEPSEN_ONEWAY) \
	ZOOKEEPER-1156:leader-isolation ZOOKEEPER-1156:$(JEPSEN_ONEWAY) ZOOKEEPER-1156:$(JEPSEN_TRUNCCUT) \
	ZOOKEEPER-2832:leader-isolation ZOOKEEPER-2832:$(JEPSEN_ONEWAY) \
	ZOOKEEPER-2845:leader-isolation ZOOKEEPER-2845:$(JEPSEN_ONEWAY) \
	ZOOKEEPER-4925:kill-restart ZOOKEEPER-4925:$(JEPSEN_ONEWAY) ZOOKEEPER-4925:$(JEPSEN_DIFFHOLE) \
	ZOOKEEPER-2845:$(JEPSEN_SLOWSYNC) \
	ZOOKEEPER-1156:$(JEPSEN_SYNC) ZOOKEEPER-2845:$(JEPSEN_SYNC) ZOOKEEPER-4925:$(JEPSEN_SYNC) \
	ZOOKEEPER-1282:$(JEPSEN_SYNC) ZOOKEEPER-3104:$(JEPSEN_SYNC) ZOOKEEPER-3642:$(JEPSEN_SYNC) ZOOKEEPER-3911:$(JEPSEN_SYNC) \
	ZOOKEEPER-4352:$(JEPSEN_SYNC) ZOOKEEPER-4643:$(JEPSEN_SYNC) ZOOKEEPER-4646:$(JEPSEN_SYNC) ZOOKEEPER-4685:$(JEPSEN_SYNC) \
	ZOOKEEPER-4352:$(JEPSEN_SNAPKILLS) ZOOKEEPER-4352:$(JEPSEN_SNAPDUE) ZOOKEEPER-3104:$(JEPSEN_SNAPDUE) ZOOKEEPER-3642:$(JEPSEN_SNAPDUE) \
	ZOOKEEPER-3911:$(JEPSEN_SNAPDUE) ZOOKEEPER-4643:$(JEPSEN_SNAPDUE) ZOOKEEPER-4646:$(JEPSEN_SNAPDUE)
JEPSEN_BUG_SEEDS ?= 1 2 3
JEPSEN_BUG_FLAGS ?= --nodes 3 --clients 9 --duration 20s --quiesce 8s
jepsen-bugs:
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; bad=0; \
	$(GO) build -o $$dir/zksim ./cmd/zksim; $(GO) build -o $$dir/zkserver ./cmd/zkserver; \
	echo "| bug | scenario | schedule | seed | verdict | failed checkers | wall |"; echo "|---|---|---|---|---|---|---|"; \
	for entry in $(JEPSEN_BUGS); do bug=$${entry%%:*}; rest=$${entry#*:}; s=$${rest%%:*}; sched=; \
	  [ "$$rest" = "$$s" ] || sched=$${rest#*:}; \
	  for seed in $(JEPSEN_BUG_SEEDS); do \
	    flags=; [ "$$bug" = none ] || flags="--bug $$bug"; [ -z "$$sched" ] || flags="$$flags --schedule $$sched"; \
	    case $$s in *.json) sflag="--scenario-file $$s";; *) sflag="--scenario $$s";; esac; \
	    start=$$(date +%s); \
	    $$dir/zksim jepsen --zkserver $$dir/zkserver $$sflag --seed $$seed $(JEPSEN_BUG_FLAGS) $$flags >$$dir/out 2>&1 || true; \
	    v=$$(sed -n 's/^verdict: \([A-Z]*\) .*/\1/p' $$dir/out); [ -n "$$v" ] || v="error: $$(tail -1 $$dir/out)"; \
	    checks=$$(sed -n 's/^violation: \([^:]*\):.*/\1/p' $$dir/out | sort -u | paste -sd, - | sed 's/,/, /g'); \
	    echo "| $$bug | $$s | $${sched:-generated} | $$seed | $$v | $$checks | $$(( $$(date +%s) - start ))s |"; \
	    if [ "$$bug" = none ] && [ "$$v" != PASS ]; then bad=1; sed 's/^/    /' $$dir/out; fi; \
	  done; done; exit $$bad
