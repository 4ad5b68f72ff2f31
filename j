@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix mk: <https://w3id.org/missions-kg/ontology#> .
@prefix mkd: <https://w3id.org/missions-kg/id/> .
@prefix mks: <https://w3id.org/missions-kg/source/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

mkd:helene-vivies a mk:Person ;
    skos:prefLabel "Hélène Viviès" .

mkd:henri-debeurme a mk:Person ;
    skos:prefLabel "Henri Debeurme" .

mkd:julien-lacombe a mk:Person ;
    skos:prefLabel "Julien Lacombe" .

mkd:missions-role-vivies a mk:Role ;
    mk:actor mkd:helene-vivies ;
    mk:character mkd:vivies .

mkd:missions a mk:Series ;
    skos:prefLabel "Missions"@fr ;
    mk:creator mkd:henri-debeurme, mkd:julien-lacombe ;
    mk:episodes 10 ;
    mk:role mkd:missions-role-vivies .

mkd:vivies a mk:Character ;
    skos:prefLabel "Hélène Viviès"@fr .

mk:Character a owl:Class ;
    rdfs:label "character"@en .

mk:Person a owl:Class ;
    rdfs:label "person"@en, "personne"@fr .

mk:Role a owl:Class ;
    rdfs:label "role"@en .

mk:Series a owl:Class ;
    rdfs:label "TV series"@en, "série télévisée"@fr .

mk:actor a owl:ObjectProperty ;
    rdfs:label "actor"@en .

mk:character a owl:ObjectProperty ;
    rdfs:label "character"@en .

mk:creator a owl:ObjectProperty ;
    rdfs:label "creator"@en, "créateur"@fr .

mk:episodes a owl:DatatypeProperty ;
    rdfs:label "number of episodes"@en .

mk:role a owl:ObjectProperty ;
    rdfs:label "role"@en .

mks:article-000 a schema:Article ;
    dcterms:date "2017-05-01"^^xsd:date ;
    dcterms:title "Missions : la série de science-fiction"@fr .

mks:article-001 a schema:Article ;
    dcterms:title "Entretien avec les créateurs"@fr .
