package io.courier.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * Dependencies point one way: edge → capabilities (account, keys, messaging, group, media, push) → cluster, store,
 * local → common. The SDK and the load generator speak only the wire contract, so they can ship on their own; the CLI
 * speaks only through the SDK (and the contract's types), and nothing depends on it.
 */
class LayeringTest {
    private static final String[] CAPABILITIES = { "..account..", "..keys..", "..messaging..", "..group..",
            "..media..", "..push.." };
    private static final String[] INFRASTRUCTURE = { "..cluster..", "..store..", "..local.." };

    private static final JavaClasses COURIER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.courier");

    @Test
    void nothingBelowTheEdgeImportsIt() {
        noClasses().that().resideOutsideOfPackage("io.courier.edge..")
                .should().dependOnClassesThat().resideInAPackage("io.courier.edge..")
                .check(COURIER);
    }

    @Test
    void infrastructureImportsNoCapability() {
        noClasses().that().resideInAnyPackage(INFRASTRUCTURE)
                .should().dependOnClassesThat().resideInAnyPackage(CAPABILITIES)
                .check(COURIER);
    }

    @Test
    void theSharedBottomImportsNothingOfCourierButTheContract() {
        noClasses().that().resideInAPackage("io.courier.common..")
                .should().dependOnClassesThat().resideInAnyPackage(concat(CAPABILITIES, INFRASTRUCTURE))
                .check(COURIER);
    }

    @Test
    void theSdkAndTheLoadGeneratorSpeakOnlyTheWireContract() {
        noClasses().that().resideInAnyPackage("io.courier.client..", "io.courier.bench..")
                .should().dependOnClassesThat().resideInAnyPackage(concat(CAPABILITIES, INFRASTRUCTURE,
                        new String[] { "io.courier.edge..", "io.courier.common.." }))
                .check(COURIER);
    }

    @Test
    void theCliUsesOnlyTheSdkAndTheContract() {
        noClasses().that().resideInAPackage("io.courier.cli..")
                .should().dependOnClassesThat(resideInAPackage("io.courier..")
                        .and(not(resideInAnyPackage("io.courier.cli..", "io.courier.client..", "io.courier.api.."))))
                .check(COURIER);
    }

    @Test
    void nothingImportsTheCli() {
        noClasses().that().resideOutsideOfPackage("io.courier.cli..")
                .should().dependOnClassesThat().resideInAPackage("io.courier.cli..")
                .check(COURIER);
    }

    @Test
    void capabilitiesHaveNoCycles() {
        slices().matching("io.courier.(*)..").should().beFreeOfCycles().check(COURIER);
    }

    private static String[] concat(String[]... groups) {
        return java.util.Arrays.stream(groups).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
