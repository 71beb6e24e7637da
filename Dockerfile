# The intake service on a slim Debian base: Tesseract and poppler from Debian, the product as the
# wheel built from this checkout (no editable install: the image runs what a server installs).
# Data (SQLite file, uploads) lives in /data; mount a volume there.

# --- build the wheel: the package, its templates and the demo's sample files (pyproject.toml)
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY intake ./intake
COPY templates ./templates
COPY samples/roster.csv samples/batch.pdf ./samples/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- the service: the wheel and its runtime dependencies only (no tools, no checkout)
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        tesseract-ocr tesseract-ocr-eng poppler-utils fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/intake intake
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-cache-dir /tmp/wheels/*.whl && rm -rf /tmp/wheels

WORKDIR /home/intake
ENV INTAKE_DATA_DIR=/data
RUN mkdir -p /data && chown intake:intake /data
USER intake
VOLUME ["/data"]
EXPOSE 8000
CMD ["intake", "serve", "--host", "0.0.0.0", "--port", "8000"]
