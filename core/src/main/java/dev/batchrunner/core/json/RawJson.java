package dev.batchrunner.core.json;

/** A JSON text that writers embed as JSON, not as an escaped string. */
public record RawJson(String json) {}
