# zksim build targets. `make test` is what CI runs.
GO ?= go
FUZZTIME ?= 60s

.PHONY: test test-short chaos fuzz fuzz-smoke bench lint

test: lint
	$(GO) test -count=1 ./...

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
	$(MAKE) fuzz FUZZTIME=5s

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
