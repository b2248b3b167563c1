# thumbdrop — see README.md. `make run` opens the app, `make test` runs every test.
GO        ?= go
TAGS      := migrated_fynedo,nodynamic
PHOTOS    ?= $(HOME)/.cache/thumbdrop/photos
export THUMBDROP_PHOTOS := $(PHOTOS)

.PHONY: bench-original bench-sync bench-set bench-gui bench-upload bench-backfill bench-local bench-history bench-heif dist run test deps test-deps photos vet lambda build build-ResizeFunction bench bench-node clean

run: deps
	$(GO) run -tags $(TAGS) . $(ARGS)

build: deps
	$(GO) build -tags $(TAGS) -o bin/thumbdrop .

deps:
	@scripts/install-deps.sh run

test-deps:
	@scripts/install-deps.sh test
	@scripts/fetch-photos.sh >/dev/null

photos:
	@scripts/fetch-photos.sh

vet:
	gofmt -l . | (! grep .) || (echo "gofmt needed on the files above" && false)
	$(GO) vet -tags $(TAGS) ./...
	cd cloudfunction && $(GO) vet -tags nodynamic ./...

# The whole suite: unit, integration (loopback S3 servers), keyring (a real
# Secret Service in a private D-Bus session) and UI tests, with the race
# detector. Real photos are required, not skipped.
# make dist comes first: the tests install its .deb and tar.xz and run its
# Windows exe under Wine (wine_test.go).
test: test-deps vet dist
	THUMBDROP_REQUIRE_PHOTOS=1 THUMBDROP_DIST=$(CURDIR)/dist scripts/test.sh

# Every release artefact in dist/: the .deb, the Linux tar.xz, the Windows
# zip (cross-built with mingw-w64), the Lambda and Cloud Function zips,
# SHA256SUMS (scripts/dist.sh says what each holds).
dist: deps
	@scripts/install-deps.sh dist
	scripts/dist.sh

# The Lambda function: a static arm64 bootstrap for provided.al2023, zipped.
lambda:
	mkdir -p dist
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc,nodynamic -trimpath -ldflags="-s -w" -o dist/bootstrap ./lambda
	cd dist && rm -f thumbdrop-resize-arm64.zip && zip -q thumbdrop-resize-arm64.zip bootstrap
	@ls -l dist/bootstrap dist/thumbdrop-resize-arm64.zip

# Called by `sam build` (deploy/template.yaml, BuildMethod: makefile).
build-ResizeFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc,nodynamic -trimpath -ldflags="-s -w" -o $(ARTIFACTS_DIR)/bootstrap ./lambda

bench-node:
	@scripts/install-deps.sh bench
	@test -d bench/node_modules/sharp || npm ci --prefix bench --no-audit --no-fund

# Speed, side by side in one run: thumbdrop vs naive imaging vs sharp vs
# djpeg -scale + resize, one core each, then all cores vs sharp.
bench: test-deps bench-node
	$(GO) test ./thumbnail -run '^$$' -bench . -benchmem -cpu 1 -count 5
	$(GO) test ./thumbnail/jpegdec -run '^$$' -bench . -benchmem -cpu 1 -count 5
	$(GO) run -tags $(TAGS) ./bench/thumbcompare -runs 9 $(PHOTOS)/Elephants_12MP.jpg $(PHOTOS)/Elephants_5640x3172.jpg \
		$(PHOTOS)/Kleiber_by_Lukas_Baubkus.jpg $(PHOTOS)/Painting-Colors_by__herobrine7gamer.jpg \
		$(PHOTOS)/Phone_48MP.jpg $(PHOTOS)/Storm.jpg

# Responsive set (widths + WebP twins from one decode) vs sharp clone().
bench-set: test-deps bench-node
	$(GO) run -tags $(TAGS) ./bench/setcompare -runs 7 $(PHOTOS)/Elephants_12MP.jpg $(PHOTOS)/Storm.jpg $(PHOTOS)/Kleiber_by_Lukas_Baubkus.jpg

# Web-ready originals (upload rules: 2048 px, WebP and JPEG at quality 85) vs sharp.
bench-original: test-deps bench-node
	$(GO) run -tags $(TAGS) ./bench/originalcompare -runs 7 -max 2048 $(PHOTOS)/Elephants_12MP.jpg $(PHOTOS)/Elephants_5640x3172.jpg $(PHOTOS)/Phone_48MP.jpg

# Upload speed vs rclone and aws s3 cp against versitygw (needs ~2.5 GB of disk).
bench-upload: test-deps
	bench/upload.sh 3

# backfill --here of 1,000 originals rclone put into versitygw: killed at
# half and resumed; one worker vs every core.
bench-backfill: test-deps
	bench/backfill.sh 1000

# Local mode now vs the earlier gofakes3 server (built from git history).
bench-local: test-deps
	bench/local.sh 7

# HEIC and AVIF: cold and warm beside heif-convert; the Lambda's size and
# cold start before and after.
bench-heif: test-deps
	bench/heif.sh 7

# Sync of 10,000 originals (first and incremental) beside rclone listing them.
bench-sync: test-deps
	bench/sync.sh 3 10000

# The history database vs the JSON-lines file it replaced.
bench-history:
	$(GO) test ./app/internal/history -run '^$$' -bench History -benchtime 20x -count 5

# Desktop app: time to first frame, and memory scrolling 10,000 history entries.
bench-gui: test-deps
	mkdir -p .artifacts && bench/gui.sh 7

clean:
	rm -rf bin dist
