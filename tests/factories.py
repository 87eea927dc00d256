"""factory_boy factories for the core models."""

from __future__ import annotations

import copy

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from artists.models import Artist, ArtistVersion
from generation.models import Batch, GenerationRun, RunStatus, Track
from noktvrn.demo import DEMO_ARTISTS
from releases.models import Release

VALID_PROFILE = DEMO_ARTISTS[0]["profile"]


def valid_profile(**overrides) -> dict:
    profile = copy.deepcopy(VALID_PROFILE)
    profile.update(overrides)
    return profile


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artist
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Artist {n}")
    slug = factory.Sequence(lambda n: f"artist-{n}")
    status = Artist.Status.ACTIVE
    profile = factory.LazyFunction(valid_profile)

    @factory.post_generation
    def first_version(self, create, extracted, **kwargs):
        if create:
            ArtistVersion.objects.create(artist=self, number=1, profile=self.profile, reason="factory")


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    size = 1


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GenerationRun

    artist = factory.SubFactory(ArtistFactory)
    batch = factory.SubFactory(BatchFactory)
    title = factory.Sequence(lambda n: f"Track {n}")
    status = RunStatus.PENDING
    seed = factory.Sequence(lambda n: n)
    parameters = factory.LazyFunction(lambda: {"tempo": 110, "key": "A", "mode": "minor", "energy": 0.6})


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    run = factory.SubFactory(RunFactory)
    audio = factory.django.FileField(filename="track.wav", data=b"RIFF")
    duration = 30.0
    provider = "local"


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    run = factory.SubFactory(RunFactory, status=RunStatus.APPROVED)
    artist = factory.LazyAttribute(lambda release: release.run.artist)
    title = factory.LazyAttribute(lambda release: release.run.title)
