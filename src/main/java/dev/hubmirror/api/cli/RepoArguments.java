package dev.hubmirror.api.cli;

import dev.hubmirror.bootstrap.Stores;
import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.transfer.PathFilter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Parses the arguments both commands share: {@code REPO[@REV]}, {@code --type}, patterns and store URLs. */
final class RepoArguments {

    private RepoArguments() {
    }

    /**
     * {@code org/name} (revision {@code main}), {@code org/name@v1.0}, {@code org/name@refs/pr/1},
     * {@code org/name@<40-hex commit>}; repo ids hold no {@code @}, so the first one separates the revision.
     */
    static RepoRef parse(String argument, RepoType type) {
        int at = argument.indexOf('@');
        String id = at < 0 ? argument : argument.substring(0, at);
        String revision = at < 0 ? null : argument.substring(at + 1);
        if (revision != null && revision.isBlank()) {
            throw new IllegalArgumentException("'" + argument + "' names no revision after '@': use org/name@main");
        }
        return new RepoRef(HfRepoId.parse(id.trim()), type, revision);
    }

    /** Every repo argument, or a usage error naming the first invalid one. */
    static List<RepoRef> parseAll(CommandLine commandLine, List<String> arguments, String type, List<String> include,
            List<String> exclude) {
        RepoType repoType;
        try {
            repoType = RepoType.parse(type);
            PathFilter.of(include, exclude);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandLine, e.getMessage());
        }
        List<RepoRef> refs = new ArrayList<>();
        for (String argument : arguments) {
            try {
                refs.add(parse(argument, repoType));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(commandLine, e.getMessage());
            }
        }
        return refs;
    }

    /** A usage error unless {@code url} is a store URL the service accepts ({@link Stores#location}). */
    static void checkStoreUrl(CommandLine commandLine, String option, String url) {
        if (url == null) {
            return;
        }
        try {
            Stores.location(url);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandLine, option + ": " + e.getMessage());
        }
    }
}
