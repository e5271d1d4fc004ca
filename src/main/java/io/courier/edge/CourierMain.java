package io.courier.edge;

import jakarta.inject.Singleton;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The node's entry point. It exists for two things Quarkus does not do on its own: saying "ready" only after the
 * whole start succeeded, and ending a refused start with one actionable line instead of a stack trace.
 */
@QuarkusMain
public final class CourierMain {
    public static void main(String... args) {
        Quarkus.run(Node.class, StartFailure::exit, args);
    }

    /** Runs once Quarkus has started everything; the node then serves until it is told to stop. */
    @Singleton
    public static class Node implements QuarkusApplication {
        private final NodeReadiness readiness;

        Node(NodeReadiness readiness) {
            this.readiness = readiness;
        }

        @Override
        public int run(String... args) {
            readiness.announce();
            Quarkus.waitForExit();
            return 0;
        }
    }
}
