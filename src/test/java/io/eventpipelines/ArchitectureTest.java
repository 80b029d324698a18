package io.eventpipelines;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.syntax.elements.GivenClassesConjunction;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;

/**
 * The dependency rules of the layout README describes: pipelines are pure topology builders on top of the serde
 * and the shared steps; the application (runtime, CLI, HTTP) sits above them and nothing below reaches up.
 */
@AnalyzeClasses(packages = "io.eventpipelines", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String[] PIPELINES = {
        "io.eventpipelines.temperature..", "io.eventpipelines.logs..", "io.eventpipelines.orders.."
    };

    private static GivenClassesConjunction pipelinesAndSharedSteps() {
        return noClasses().that().resideInAnyPackage(PIPELINES).or().resideInAPackage("io.eventpipelines.streams..");
    }

    @ArchTest
    static final ArchRule pipelinesAndSharedStepsNeverReachTheApp =
            pipelinesAndSharedSteps().should().dependOnClassesThat().resideInAPackage("io.eventpipelines.app..");

    /** The serde is a library: it could be lifted out of the project as it is. */
    @ArchTest
    static final ArchRule avroStandsAlone = noClasses()
            .that()
            .resideInAPackage("io.eventpipelines.avro..")
            .should()
            .dependOnClassesThat(resideInAPackage("io.eventpipelines..")
                    .and(resideOutsideOfPackage("io.eventpipelines.avro.."))
                    .as("other packages of the project"));

    @ArchTest
    static final ArchRule pipelinesDoNotKnowEachOther = slices().matching(
                    "io.eventpipelines.(temperature|logs|orders)..")
            .should()
            .notDependOnEachOther();

    @ArchTest
    static final ArchRule noCyclesBetweenPackages =
            slices().matching("io.eventpipelines.(**)").should().beFreeOfCycles();

    /** A topology builder is a pure function to a Topology: starting it is the runtime's job. */
    @ArchTest
    static final ArchRule buildersDoNotStartKafkaStreams =
            pipelinesAndSharedSteps().should().dependOnClassesThat().areAssignableTo(KafkaStreams.class);

    @ArchTest
    static final ArchRule oneLoggerConvention = fields().that()
            .haveRawType(Logger.class)
            .should()
            .bePrivate()
            .andShould()
            .beStatic()
            .andShould()
            .beFinal()
            .andShould()
            .haveName("log")
            .allowEmptyShould(true);

    /** The runtime is a library for the commands and the HTTP endpoint, which sit on it and not in it. */
    @ArchTest
    static final ArchRule runtimeDoesNotKnowItsFrontEnds = noClasses()
            .that()
            .resideInAPackage("io.eventpipelines.app")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.eventpipelines.app.cli..", "io.eventpipelines.app.http..");

    @ArchTest
    static final ArchRule httpDoesNotKnowTheCommandLine = noClasses()
            .that()
            .resideInAPackage("io.eventpipelines.app.http..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.eventpipelines.app.cli..");
}
