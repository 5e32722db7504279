package dev.batchrunner.cli;

/**
 * Public on-demand list prices, US East (N. Virginia), as published on the AWS pricing pages in
 * 2025 (Lambda, DynamoDB after its November 2024 on-demand reduction, SQS, Fargate Linux/x86). Not
 * re-read for this run: the machine that ran it has no internet. Free tiers are left out. Check the
 * pricing pages before relying on the dollars; the counts beside them do not depend on prices.
 */
final class ListPrices {
  static final String AS_OF = "US East (N. Virginia) on-demand list prices as published in 2025";

  /** Lambda: per request, and per GB-second on x86. */
  static final double LAMBDA_PER_REQUEST = 0.20 / 1_000_000;

  static final double LAMBDA_PER_GB_SECOND = 0.0000166667;

  /** The template's MemorySize. */
  static final double LAMBDA_MEMORY_GB = 1.0;

  /** DynamoDB on-demand: per write and per read request unit (items here are under 1 KB). */
  static final double DYNAMODB_PER_WRITE = 0.625 / 1_000_000;

  static final double DYNAMODB_PER_READ = 0.125 / 1_000_000;

  /** SQS: per request (64 KB chunk), standard and FIFO. */
  static final double SQS_STANDARD_PER_REQUEST = 0.40 / 1_000_000;

  static final double SQS_FIFO_PER_REQUEST = 0.50 / 1_000_000;

  /**
   * Fargate Linux/x86: per vCPU-hour and per GB-hour, billed per second with a 1-minute minimum.
   */
  static final double FARGATE_PER_VCPU_HOUR = 0.04048;

  static final double FARGATE_PER_GB_HOUR = 0.004445;

  /** The batch task's size in this comparison: 0.5 vCPU, 1 GB. */
  static final double TASK_VCPU = 0.5;

  static final double TASK_GB = 1.0;

  /** One task-minute of that size. */
  static double fargatePerTaskMinute() {
    return (TASK_VCPU * FARGATE_PER_VCPU_HOUR + TASK_GB * FARGATE_PER_GB_HOUR) / 60;
  }

  private ListPrices() {}
}
