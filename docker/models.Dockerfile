# syntax=docker/dockerfile:1.7
# The model image: only the ONNX artifact tree, for the trader's init container
# (k8s/base/deployment.yaml copies /models/. into the emptyDir mounted at /app/models =
# TM_ARTIFACT_DIR). Built by .github/workflows/weekly-models.yml from the repo root:
#
#   docker build -f docker/models.Dockerfile --build-arg BASE=busybox:1.36 \
#     -t ghcr.io/trade-matrix/models:$(date -u +%Y%m%d)-$(git rev-parse --short HEAD) .
#
# Why a separate image and not a layer FROM the trader image: a weekly retrain then pushes and
# pulls a few MB (busybox ≈ 4 MB + the models) instead of a new trader image, the code and
# the models roll back independently (re-tag one, not the other), and the trader image stays
# identical across model updates (same digest, cached on every node). Why not FROM scratch: the
# init container needs `sh` and `cp` (BASE must provide both; busybox does, in ~4 MB).
#
# Context: docker/models.Dockerfile.dockerignore lets only the artifact tree in (BuildKit reads
# it instead of the root .dockerignore, which excludes var/).
ARG BASE=busybox:1.36

FROM ${BASE}
# Budget for the models themselves; the image target is ≤ 10 MB with the ~4 MB base.
ARG MAX_MODELS_KB=6144
# The trainer's local artifact store (TM_ARTIFACT_DIR=var/artifacts): models/<name>/<sha256>.onnx.
# Owned by root, readable (not writable) by uid 10001, which runs the init container and the
# trader. Permissions are set in the COPY itself: a chmod in a later RUN would store every file twice.
COPY --chown=0:0 --chmod=0755 var/artifacts/models/ /models/models/
# Checks only (they change no file, so they add no bytes): something to ship, within budget.
RUN test -n "$(find /models/models -type f -name '*.onnx' | head -n 1)" || { echo "no *.onnx under var/artifacts/models" >&2; exit 1; }; \
    kb=$(du -sk /models | cut -f1); echo "models: ${kb} KB"; \
    if [ "$kb" -gt "$MAX_MODELS_KB" ]; then echo "models take ${kb} KB > MAX_MODELS_KB=${MAX_MODELS_KB}: drop versions that are neither Production nor the rollback target" >&2; exit 1; fi
USER 10001:10001
CMD ["sh", "-c", "ls -R /models"]
