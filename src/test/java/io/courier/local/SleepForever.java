package io.courier.local;

/** A child process main that never ends by itself. */
public final class SleepForever {
    private SleepForever() {
    }

    public static void main(String[] args) throws InterruptedException {
        Thread.currentThread().join();
    }
}
