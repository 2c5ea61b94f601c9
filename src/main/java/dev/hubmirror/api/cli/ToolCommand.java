package dev.hubmirror.api.cli;

import java.util.Map;

/** A command that runs once and exits (mirror, verify), as opposed to the service. */
interface ToolCommand {

    /**
     * Checks the arguments before anything starts.
     *
     * @throws picocli.CommandLine.ParameterException naming what is wrong
     */
    void validate();

    /** The run-time configuration to boot with (system properties), see {@link BootSettings#tool}. */
    Map<String, String> bootProperties();
}
