"""Schema-registry-backed record formats: Avro, Protobuf and JSON Schema in the Confluent wire format.

Plain Python, no Textual; everything here runs on the tail's reader thread (`tail/reader.py`), never
on the UI's. `decoder.SchemaDecoder` is the entry point: bytes in, a `result.SchemaValue` (decoded
JSON text, or the reason it could not be decoded) or None for bytes that are not framed.
Modules: `wire` (the framing), `registry` (the HTTP client and its caches), `avro`, `protobuf`,
`decoder`, `result`.
"""
