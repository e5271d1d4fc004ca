package io.courier.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.ObjectStreamClass;
import java.io.ObjectStreamField;
import java.io.Serializable;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.hazelcast.config.SerializerConfig;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import io.courier.support.SecondMember;

/**
 * Grid classes without a wire form of their own ({@link Wire}) travel by Java serialization, and their layout is not
 * in {@link GridTypes#wireForm}: a member whose layout differs would fail to read a migrated entry instead of being
 * refused at the join. So the layout of every such class is recorded here with the wire release; changing a layout
 * without a new {@link GridTypes#WIRE_RELEASE} fails this test. After bumping it, record the new layout with
 * {@code -Dwire.layout.record=true}.
 */
class JavaSerializedLayoutTest {
    private static final Path RECORDED = Path.of("src", "test", "resources", "java-serialized-layout.txt");

    @Test
    void aChangedLayoutOfAJavaSerializedClassComesWithANewWireRelease() throws IOException {
        List<String> layout = layout();
        if (Boolean.getBoolean("wire.layout.record")) {
            Files.createDirectories(RECORDED.getParent());
            Files.write(RECORDED, withRelease(layout));
        }
        List<String> recorded = Files.readAllLines(RECORDED);
        String recordedRelease = recorded.get(0);
        List<String> recordedLayout = recorded.subList(1, recorded.size());

        if (!layout.equals(recordedLayout)) {
            assertThat(GridTypes.WIRE_RELEASE)
                    .as("the Java-serialized layout of a grid class changed (%s): bump GridTypes.WIRE_RELEASE",
                            changed(recordedLayout, layout))
                    .isNotEqualTo(recordedRelease);
        }
        assertThat(recorded).as("record the layout of release %s: run this test with -Dwire.layout.record=true",
                GridTypes.WIRE_RELEASE).containsExactlyElementsOf(withRelease(layout));
    }

    /** One line per Java-serialized class of the node: its name, its declared serial version and every field. */
    static List<String> layout() {
        Set<Class<?>> wired = GridTypes.withCluster(SecondMember.NODE_TYPES).stream()
                .flatMap(types -> types.serializers().stream())
                .<Class<?>>map(SerializerConfig::getTypeClass).collect(Collectors.toSet());
        return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.courier").stream()
                // the node's own classes: not the protocol's generated ones, nor the SDK's and CLI's, nor exceptions
                .filter(c -> !c.getPackageName().startsWith("io.courier.api")
                        && !c.getPackageName().startsWith("io.courier.client")
                        && !c.getPackageName().startsWith("io.courier.cli"))
                .filter(c -> c.isAssignableTo(Serializable.class) && !c.isAssignableTo(Throwable.class)
                        && !c.isInterface() && !c.isEnum() && !c.isAnonymousClass())
                .map(JavaClass::reflect)
                .filter(c -> !Modifier.isAbstract(c.getModifiers()) && !wired.contains(c))
                .sorted(Comparator.comparing(Class::getName))
                .map(JavaSerializedLayoutTest::line).toList();
    }

    private static String line(Class<?> type) {
        StringBuilder line = new StringBuilder(type.getName());
        for (Class<?> c = type; c != null && Serializable.class.isAssignableFrom(c); c = c.getSuperclass()) {
            ObjectStreamClass stream = ObjectStreamClass.lookup(c);
            line.append(c == type ? " " : " < ").append(c.getSimpleName());
            if (declaresSerialVersion(c)) {
                line.append(" uid=").append(stream.getSerialVersionUID());
            }
            line.append(" {");
            for (ObjectStreamField field : stream.getFields()) {
                line.append(' ').append(field.getName()).append(':')
                        .append(field.isPrimitive() ? String.valueOf(field.getTypeCode()) : field.getTypeString());
            }
            line.append(" }");
        }
        return line.toString();
    }

    private static boolean declaresSerialVersion(Class<?> c) {
        try {
            c.getDeclaredField("serialVersionUID");
            return true;
        } catch (NoSuchFieldException e) {
            return false;
        }
    }

    private static List<String> withRelease(List<String> layout) {
        List<String> lines = new ArrayList<>(List.of(GridTypes.WIRE_RELEASE));
        lines.addAll(layout);
        return lines;
    }

    private static String changed(List<String> before, List<String> now) {
        List<String> changed = new ArrayList<>(now);
        changed.removeAll(before);
        List<String> gone = new ArrayList<>(before);
        gone.removeAll(now);
        gone.forEach(line -> changed.add("gone: " + line));
        return String.join("; ", changed);
    }
}
