package gadget;

import java.io.Serializable;

/** Stands for any class on the classpath that isn't Courier's: the cluster must refuse to deserialize it. */
public record Gadget(String payload) implements Serializable {
}
