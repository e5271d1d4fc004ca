package io.courier.local;

import java.nio.file.Path;
import java.util.List;

/** Stands in for a node: starts a child JVM the way the local infrastructure does, prints its pid, then waits. */
public final class ParentProcess {
    private ParentProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path workDir = Path.of(args[0]);
        Path testClasses = Path.of(SleepForever.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ChildJvm child = ChildJvm.start("sleeper", LocalInfrastructure.currentJava(), List.of(testClasses),
                List.of("-Xmx32m"), SleepForever.class.getName(), List.of(), workDir);
        System.out.println(child.pid());
        System.out.flush();
        Thread.currentThread().join();
    }
}
