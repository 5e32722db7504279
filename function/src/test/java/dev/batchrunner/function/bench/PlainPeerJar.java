package dev.batchrunner.function.bench;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The plain peer's deployment package, as a plain project's shaded jar without minimising: {@link
 * PlainDispatchHandler}'s classes and every entry of the whole jars it needs, listed by the build
 * in {@code target/plain-peer-sdk.classpath} and {@code target/plain-peer-jackson.classpath} (see
 * the {@code plain-peer-*} executions in function/pom.xml). First entry wins; {@code
 * META-INF/services} files are merged; signatures, manifests and module descriptors are left out,
 * as the function's own shade configuration does.
 */
final class PlainPeerJar {
  static final List<Path> CLASSPATH_FILES =
      List.of(
          Path.of("target", "plain-peer-sdk.classpath"),
          Path.of("target", "plain-peer-jackson.classpath"));

  private PlainPeerJar() {}

  /** Writes the jar to {@code jar} and returns it. */
  static Path build(Path jar) throws IOException {
    Set<Path> jars = new java.util.LinkedHashSet<>();
    for (Path file : CLASSPATH_FILES) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalStateException(
            file.toAbsolutePath()
                + " is missing: it is written by the maven-dependency-plugin in"
                + " generate-test-resources (mvn test-compile)");
      }
      for (String entry : Files.readString(file).trim().split(File.pathSeparator)) {
        if (!entry.isBlank()) {
          jars.add(Path.of(entry.trim()));
        }
      }
    }
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    Set<String> written = new HashSet<>();
    Map<String, ByteArrayOutputStream> services = new LinkedHashMap<>();
    Files.createDirectories(jar.toAbsolutePath().getParent());
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest)) {
      written.add("META-INF/");
      written.add(JarFile.MANIFEST_NAME);
      for (Path classFile : handlerClasses()) {
        String name =
            PlainDispatchHandler.class.getPackageName().replace('.', '/')
                + "/"
                + classFile.getFileName();
        addDirectories(out, written, name);
        out.putNextEntry(new JarEntry(name));
        Files.copy(classFile, out);
        out.closeEntry();
        written.add(name);
      }
      for (Path dependency : jars) {
        try (ZipFile zip = new ZipFile(dependency.toFile())) {
          Enumeration<? extends ZipEntry> entries = zip.entries();
          while (entries.hasMoreElements()) {
            ZipEntry entry = entries.nextElement();
            String name = entry.getName();
            if (entry.isDirectory() || skipped(name)) {
              continue;
            }
            if (name.startsWith("META-INF/services/")) {
              try (InputStream in = zip.getInputStream(entry)) {
                ByteArrayOutputStream merged =
                    services.computeIfAbsent(name, n -> new ByteArrayOutputStream());
                in.transferTo(merged);
                merged.write('\n');
              }
              continue;
            }
            if (!written.add(name)) {
              continue; // the first jar's copy wins
            }
            addDirectories(out, written, name);
            out.putNextEntry(new JarEntry(name));
            try (InputStream in = zip.getInputStream(entry)) {
              in.transferTo(out);
            }
            out.closeEntry();
          }
        }
      }
      for (Map.Entry<String, ByteArrayOutputStream> service : services.entrySet()) {
        addDirectories(out, written, service.getKey());
        out.putNextEntry(new JarEntry(service.getKey()));
        out.write(
            service.getValue().toString(StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return jar;
  }

  private static boolean skipped(String name) {
    String upper = name.toUpperCase(java.util.Locale.ROOT);
    return upper.equals(JarFile.MANIFEST_NAME)
        || (upper.startsWith("META-INF/")
            && (upper.endsWith(".SF") || upper.endsWith(".DSA") || upper.endsWith(".RSA")))
        || name.equals("module-info.class")
        || (name.startsWith("META-INF/versions/") && name.endsWith("/module-info.class"));
  }

  private static void addDirectories(JarOutputStream out, Set<String> written, String name)
      throws IOException {
    for (int slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) {
      String dir = name.substring(0, slash + 1);
      if (written.add(dir)) {
        out.putNextEntry(new JarEntry(dir));
        out.closeEntry();
      }
    }
  }

  /** PlainDispatchHandler.class and its nested classes, from the test classes directory. */
  private static List<Path> handlerClasses() throws IOException {
    Path dir;
    try {
      dir =
          Path.of(
                  PlainDispatchHandler.class
                      .getProtectionDomain()
                      .getCodeSource()
                      .getLocation()
                      .toURI())
              .resolve(PlainDispatchHandler.class.getPackageName().replace('.', '/'));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    String simple = PlainDispatchHandler.class.getSimpleName();
    List<Path> classes = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files
          .filter(
              f -> {
                String n = f.getFileName().toString();
                return n.equals(simple + ".class") || n.startsWith(simple + "$");
              })
          .sorted()
          .forEach(classes::add);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    if (classes.isEmpty()) {
      throw new IllegalStateException("no " + simple + ".class in " + dir);
    }
    return classes;
  }
}
