# The intake service on a slim Debian base: Tesseract and poppler from Debian, the package from
# this checkout. Data (SQLite file, uploads) lives in /data; mount a volume there.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        tesseract-ocr tesseract-ocr-eng poppler-utils fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/intake intake
WORKDIR /app
COPY pyproject.toml README.md ./
COPY intake ./intake
COPY templates ./templates
RUN pip install --no-cache-dir -e .

ENV INTAKE_DATA_DIR=/data
RUN mkdir -p /data && chown intake:intake /data
USER intake
VOLUME ["/data"]
EXPOSE 8000
CMD ["intake", "serve", "--host", "0.0.0.0", "--port", "8000"]
