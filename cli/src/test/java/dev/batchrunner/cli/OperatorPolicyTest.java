package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.batchrunner.aws.dynamodb.DynamoDbRecordQueries;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.testkit.CloudFormationYaml;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The stack's {@code OperatorPolicy} against the commands: it allows exactly the actions the
 * operator commands call ({@code status} and {@code list}: DynamoDbRecordQueries; {@code rerun};
 * {@code replay}), never a {@code *}, and the stack outputs it for the on-call role.
 */
class OperatorPolicyTest {
  private static final Map<String, Object> TEMPLATE =
      CloudFormationYaml.load(Fixtures.projectRoot().resolve("template.yaml"));

  @Test
  void operatorPolicy_allowsExactlyWhatTheCommandsCall() {
    Set<String> expected = new TreeSet<>();
    expected.addAll(DynamoDbRecordQueries.IAM_ACTIONS);
    expected.addAll(RerunCommand.IAM_ACTIONS);
    expected.addAll(ReplayCommand.IAM_ACTIONS);

    Set<String> allowed = new TreeSet<>();
    for (Map<String, Object> statement : statements()) {
      assertEquals("Allow", statement.get("Effect"), statement.toString());
      allowed.addAll(strings(statement.get("Action")));
    }

    assertEquals(expected, allowed);
  }

  @Test
  void operatorPolicy_namesNoWildcardActionOrResource() {
    for (Map<String, Object> statement : statements()) {
      for (String action : strings(statement.get("Action"))) {
        assertTrue(!action.contains("*"), action);
      }
      assertTrue(!"*".equals(statement.get("Resource")), statement.toString());
    }
  }

  @Test
  void theStack_outputsThePolicyForTheOnCallRole() {
    Map<String, Object> output = map(map(TEMPLATE.get("Outputs")).get("OperatorPolicyArn"));

    assertEquals(Map.of("Ref", "OperatorPolicy"), output.get("Value"));
  }

  private static List<Map<String, Object>> statements() {
    Map<String, Object> resource = map(map(TEMPLATE.get("Resources")).get("OperatorPolicy"));
    assertEquals("AWS::IAM::ManagedPolicy", resource.get("Type"));
    Map<String, Object> document = map(map(resource.get("Properties")).get("PolicyDocument"));
    List<Map<String, Object>> statements = new ArrayList<>();
    for (Object statement : (List<?>) document.get("Statement")) {
      statements.add(map(statement));
    }
    return statements;
  }

  private static List<String> strings(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof List<?> items) {
      items.forEach(i -> out.add((String) i));
    } else {
      out.add((String) value);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }
}
