package dev.batchrunner.core.catalog;

/**
 * What ECS says about a stopped task that did not succeed, as a retry policy's rules see it.
 *
 * @param exitCode the exit code of the catalog's {@code containerName} container, or null when it
 *     has none (the task failed to start, or was stopped before the container ran)
 * @param stopCode the task's {@code stopCode} ({@code TaskFailedToStart}, {@code
 *     EssentialContainerExited}, {@code UserInitiated}, {@code SpotInterruption}, …), or null
 * @param stoppedReason the task's {@code stoppedReason}, or null
 * @param containerReason the {@code reason} of the catalog's container, or null
 */
public record TaskFailure(
    Integer exitCode, String stopCode, String stoppedReason, String containerReason) {}
