package dev.batchrunner.observability;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.annotation.JsonValue;

/** A JSON text that the log encoder embeds as JSON, not as an escaped string. */
public record RawJson(@JsonRawValue @JsonValue String json) {}
