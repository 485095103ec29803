# zksim build targets. `make test` is what CI runs.
GO ?= go
FUZZTIME ?= 60s

.PHONY: test test-short chaos chaos-smoke fuzz fuzz-smoke bench lint report-check

test: lint
	$(GO) test -count=1 ./...
	$(MAKE) chaos-smoke
	$(MAKE) fuzz-smoke

# Every scenario on two seeds: the short chaos sweep CI runs.
chaos-smoke:
	$(GO) run ./cmd/zksim sweep --scenario all --seeds 1..2

# A quick pass without the slower simulations.
test-short:
	$(GO) test -short -count=1 ./...

# Long chaos sweeps for nightly runs.
chaos:
	$(GO) run ./cmd/zksim sweep --scenario all --seeds 1..1000

# Coverage-guided fuzzing of every fuzz target, FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) || exit 1; \
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

# Render the report of a failing run (a real run with one read corrupted) in headless
# Chromium; check the screenshot is not blank and the page ran without console errors.
CHROMIUM ?= chromium
CHROMIUM_FLAGS = --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --window-size=1400,900
report-check:
	@command -v $(CHROMIUM) >/dev/null || { apt-get update && apt-get install -y chromium; }
	@set -e; dir=$$(mktemp -d); \
	$(GO) run ./reports/internal/reportdemo -out $$dir/run -seed 1; \
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
