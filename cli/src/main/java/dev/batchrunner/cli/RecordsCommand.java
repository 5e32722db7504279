package dev.batchrunner.cli;

import dev.batchrunner.aws.dynamodb.DynamoDbRecordQueries;
import dev.batchrunner.aws.sdk.AwsConnection;
import dev.batchrunner.aws.sdk.ClientSettings;
import dev.batchrunner.aws.sdk.SdkClients;
import dev.batchrunner.core.dispatch.DispatchFailedException;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What the record-reading commands ({@code status}, {@code list}) share: the environment, the
 * clock, and the table's queries over a DynamoDB client built as the function builds its own.
 */
abstract class RecordsCommand {
  final Map<String, String> environment;
  final Clock clock;

  RecordsCommand(Map<String, String> environment, Clock clock) {
    this.environment = Map.copyOf(environment);
    this.clock = clock;
  }

  /**
   * Runs {@code work} with the table's queries, closing the clients after; a failed AWS call is
   * exit 1 with what failed.
   */
  <T> T withQueries(AwsOptions aws, Function<DynamoDbRecordQueries, T> work) {
    try (AwsOptions.Session session = aws.open(environment)) {
      return withQueries(aws, session.env(), work);
    }
  }

  private static <T> T withQueries(
      AwsOptions aws, Map<String, String> env, Function<DynamoDbRecordQueries, T> work) {
    String table = aws.table(env);
    AwsConnection connection = aws.connection(env);
    try (SdkHttpClient http = SdkClients.httpClient();
        DynamoDbClient dynamo = SdkClients.dynamoDb(connection, http, ClientSettings.DYNAMODB)) {
      return work.apply(new DynamoDbRecordQueries(dynamo, table));
    } catch (DispatchFailedException e) {
      throw new CliException(ExitCode.FAILURE, e.getMessage(), e);
    }
  }
}
