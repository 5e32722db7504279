package dev.batchrunner.testkit;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a CloudFormation/SAM template into maps and lists, turning the short-form tags ({@code !Ref
 * X}, {@code !GetAtt A.B}, {@code !Sub ...}, {@code !If [...]}) into their long form ({@code
 * {"Ref": "X"}}, {@code {"Fn::GetAtt": ["A", "B"]}}, ...).
 */
public final class CloudFormationYaml {
  private CloudFormationYaml() {}

  @SuppressWarnings("unchecked")
  public static Map<String, Object> load(Path file) {
    try (Reader reader = Files.newBufferedReader(file)) {
      return (Map<String, Object>) new Yaml(new Constructor()).load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class Constructor extends SafeConstructor {
    Constructor() {
      super(new LoaderOptions());
      this.yamlMultiConstructors.put("!", new ShortForm());
    }

    private final class ShortForm extends AbstractConstruct {
      @Override
      public Object construct(Node node) {
        String tag = node.getTag().getValue().substring(1);
        Object value;
        if (node instanceof ScalarNode scalar) {
          value = constructScalar(scalar);
        } else if (node instanceof SequenceNode sequence) {
          value = constructSequence(sequence);
        } else {
          value = constructMapping((MappingNode) node);
        }
        if (tag.equals("GetAtt") && value instanceof String dotted) {
          int dot = dotted.indexOf('.');
          value = List.of(dotted.substring(0, dot), dotted.substring(dot + 1));
        }
        String key = tag.equals("Ref") || tag.equals("Condition") ? tag : "Fn::" + tag;
        return Map.of(key, value);
      }
    }
  }
}
